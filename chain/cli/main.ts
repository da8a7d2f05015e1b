/** Parses the command line, runs a command, prints errors. Returns the exit code; never exits. */
import { parseArgs } from 'node:util';
import { chainVersion } from '../version.js';
import { ChainError, ExitCode, fail } from '../core/errors.js';
import type { Io, Options } from './command.js';
import { commands } from './commands/index.js';
import { renderProblems } from './render/problems.js';

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  format: { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  'fail-fast': { type: 'boolean' },
  atomic: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  'test-timeout': { type: 'string' },
  'sign-key': { type: 'string' },
  push: { type: 'boolean' },
  reason: { type: 'string' },
  level: { type: 'string' },
  'dry-run': { type: 'boolean' },
  out: { type: 'string' },
  name: { type: 'string' },
  check: { type: 'boolean' },
  since: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'chain: a declarative container supply chain',
    '',
    'Usage: chain <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Options: --file <chain.yaml> (default: found in this folder or above), --json, --help',
    'Exit codes: 0 ok, 1 a node failed, 2 bad input or usage, 3 environment (engine, lock), 4 registry, 130 interrupted',
  ].join('\n');
}


export async function run(argv: string[], io: Io): Promise<ExitCode> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      return fail('E_USAGE', (err as Error).message, { hint: 'run chain --help for the commands and their options' });
    }
    const { values, positionals } = parsed;
    const [name, ...args] = positionals;
    if (values.version) {
      io.out(chainVersion());
      return ExitCode.ok;
    }
    if (!name || (values.help && !name)) {
      io.out(usage());
      return name || values.help ? ExitCode.ok : ExitCode.input;
    }
    const command = commands[name];
    if (!command) return fail('E_USAGE', `unknown command '${name}'`, { hint: `commands: ${Object.keys(commands).join(', ')}` });
    if (values.help) {
      io.out(`${command.usage}\n\n${command.summary}`);
      return ExitCode.ok;
    }
    const { run: runCommand } = await command.load();
    return await runCommand(args, values as Options, io);
  } catch (err) {
    if (err instanceof ChainError) {
      io.err(renderProblems(err.problems, io.cwd));
      return err.exitCode;
    }
    io.err(`internal error (a bug in chain; please report it):\n${(err as Error).stack ?? String(err)}`);
    return ExitCode.internal;
  }
}
