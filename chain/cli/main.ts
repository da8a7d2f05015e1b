/** Parses the command line, runs a command, prints its result or its errors. Returns the exit code; never exits. */
import { parseArgs } from 'node:util';
import { chainVersion } from '../adapters/version.js';
import { ChainError, ExitCode, fail } from '../core/errors.js';
import { commands, helpText, usage, usageLine, type CommandSpec } from './commands/index.js';
import { COMMON_OPTIONS, OPTIONS, parseConfig, type OptionName, type Options } from './options.js';
import { renderProblems } from './render/problems.js';
import { createDeps, createTerminal, type ProcessIo } from './root.js';

export type { ProcessIo } from './root.js';

export async function run(argv: string[], io: ProcessIo): Promise<ExitCode> {
  try {
    // A first, lenient pass finds the command; the second takes only the options it declares.
    const first = parseArgs({ args: argv, options: parseConfig(Object.keys(OPTIONS) as OptionName[]), allowPositionals: true, strict: false });
    const [name] = first.positionals;
    if (!name) {
      if (first.values.version) io.out(chainVersion());
      else io.out(usage());
      return first.values.version || first.values.help ? ExitCode.ok : ExitCode.input;
    }
    const spec = commands[name];
    if (!spec || !Object.hasOwn(commands, name)) return fail('E_USAGE', `unknown command '${name}'`, { hint: `commands: ${Object.keys(commands).join(', ')}` });
    const { values, positionals } = parseCommandLine(argv, name, spec);
    if (values.help) {
      io.out(helpText(name, spec));
      return ExitCode.ok;
    }
    const { command } = await spec.load();
    const opts = values as Options;
    const outcome = await command.run({ args: positionals.slice(1), opts, deps: createDeps(io), terminal: createTerminal(io) });
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

function parseCommandLine(argv: string[], name: string, spec: CommandSpec) {
  try {
    return parseArgs({ args: argv, options: parseConfig([...COMMON_OPTIONS, ...spec.options]), allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    return fail('E_USAGE', unknown ? `chain ${name} takes no option ${unknown}` : `chain ${name}: ${message}`, { hint: `usage: ${usageLine(name, spec)} (chain ${name} --help explains each)` });
  }
}
