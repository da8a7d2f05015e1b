/** Parses the command line, runs a command, prints its result or its errors. Returns the exit code; never exits. */
import { chainVersion } from '../adapters/version.js';
import { ChainError, ExitCode } from '../core/errors.js';
import { commands, helpText, usage, type CommandSpec } from './commands/index.js';
import { commandOptions, helpTopic, splitCommandLine, unknownCommand } from './parse.js';
import { renderProblems } from './render/problems.js';
import type { ProcessIo } from './root.js';

export type { ProcessIo } from './root.js';

export async function run(argv: string[], io: ProcessIo): Promise<ExitCode> {
  try {
    // A first, lenient pass finds the command; then only the options it takes are accepted.
    const line = splitCommandLine(argv);
    const { name } = line;
    if (name === undefined) {
      if (line.values.version) io.out(chainVersion());
      else io.out(usage());
      return line.values.version || line.values.help ? ExitCode.ok : ExitCode.input;
    }
    if (name === 'help') {
      const topic = helpTopic(line);
      io.out(topic === undefined ? usage() : helpText(topic, commands[topic] as CommandSpec));
      return ExitCode.ok;
    }
    const spec = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!spec) return unknownCommand(name);
    // Asking for help wins over mistakes on the same line: help is what explains them.
    if (line.tokens.some((t) => t.name === 'help' && t.value === undefined)) {
      io.out(helpText(name, spec));
      return ExitCode.ok;
    }
    const opts = commandOptions(line, name, spec);
    // The composition root (git, registry clients) is loaded only when a command runs, never for help.
    const [{ command }, { createDeps, createTerminal }] = await Promise.all([spec.load(), import('./root.js')]);
    const outcome = await command.run({ args: line.args, opts, deps: createDeps(io), terminal: createTerminal(io) });
    io.out(opts.json ? JSON.stringify(command.json ? command.json(outcome.data) : outcome.data, null, 2) : command.render(outcome.data, { cwd: io.cwd, opts }));
    return outcome.exitCode ?? ExitCode.ok;
  } catch (err) {
    if (err instanceof ChainError) {
      io.err(renderProblems(err.problems, io.cwd));
      return err.exitCode;
    }
    io.err(`internal error (a bug in chain; please report it):\n${(err as Error).stack ?? String(err)}`);
    return ExitCode.internal;
  }
}
