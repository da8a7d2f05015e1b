/**
 * The command line, read in chain's own words: the command, its positional arguments and the
 * options it takes. Node's parser only splits the words (leniently); every mistake (an option the
 * command does not take, a value missing or given to a switch) is said here as a usage error
 * with a "did you mean" where one is close and the command's usage as the hint, never as the
 * parser's own text.
 */
import { parseArgs } from 'node:util';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { commands, optionFor, usageLine, type CommandSpec } from './commands/index.js';
import { COMMON_OPTIONS, OPTIONS, parseConfig, type OptionName, type Options } from './options.js';

export interface CommandLine {
  /** the first positional argument: the command's name, if any */
  name?: string;
  /** the positional arguments after the command's name */
  args: string[];
  /** what the options were, before a command is known: only `--help` and `--version` are read */
  values: Record<string, string | boolean | undefined>;
  tokens: OptionToken[];
}

interface OptionToken {
  name: string;
  rawName: string;
  value?: string;
  inlineValue?: boolean;
}

/** Splits the words: every option chain knows is read with its type, whatever the command. */
export function splitCommandLine(argv: string[]): CommandLine {
  const { positionals, tokens = [] } = parseArgs({ args: argv, options: parseConfig(Object.keys(OPTIONS) as OptionName[]), allowPositionals: true, strict: false, tokens: true });
  const options = tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, rawName: t.rawName, ...(t.value !== undefined ? { value: t.value, inlineValue: Boolean(t.inlineValue) } : {}) }] : []));
  const values: CommandLine['values'] = {};
  for (const t of options) values[t.name] = t.value ?? true;
  const [name, ...args] = positionals;
  return { ...(name !== undefined ? { name } : {}), args, values, tokens: options };
}

/** The options of a command line, checked against what the command takes. */
export function commandOptions(line: CommandLine, name: string, spec: CommandSpec): Options {
  const takes = [...spec.options, ...COMMON_OPTIONS] as string[];
  const usage = `usage: ${usageLine(name, spec)} (chain ${name} --help explains each)`;
  const problems: Problem[] = [];
  const values: Record<string, string | boolean> = {};
  for (const token of line.tokens) {
    const message = tokenProblem(token, name, spec, takes);
    if (message) {
      problems.push(problem('E_USAGE', message, { hint: usage }));
      continue;
    }
    values[token.name] = token.value ?? true;
  }
  if (problems.length > 0) throw new ChainError(problems);
  return values as Options;
}

function tokenProblem(token: OptionToken, name: string, spec: CommandSpec, takes: string[]): string | undefined {
  // A short option is shown with its long name: `-j (--jobs)`.
  const shown = token.rawName.startsWith('--') || !Object.hasOwn(OPTIONS, token.name) ? token.rawName : `${token.rawName} (--${token.name})`;
  if (!takes.includes(token.name)) {
    const near = closest(token.name, takes);
    return `chain ${name} takes no option ${shown}${near ? `: did you mean --${near}?` : ''}`;
  }
  const option = optionFor(spec, token.name as OptionName);
  if (option.type === 'boolean') return token.value !== undefined ? `${shown} takes no value (it was given '${token.value}')` : undefined;
  const placeholder = option.value ?? '<value>';
  if (token.value === undefined) return `${shown} needs a value: ${token.rawName} ${placeholder}`;
  if (!token.inlineValue && token.value.startsWith('-')) {
    return `${shown} needs a value, and was followed by '${token.value}'; a value that starts with a dash is given with =: --${token.name}=${token.value}`;
  }
  return undefined;
}

/** `chain help [command]`: the command named, or undefined for the overview. */
export function helpTopic(line: CommandLine): string | undefined {
  const topic = line.args[0];
  if (topic === undefined || Object.hasOwn(commands, topic)) return topic;
  return unknownCommand(topic);
}

/** An unknown command, with the one meant when it is close. */
export function unknownCommand(name: string): never {
  const names = [...Object.keys(commands), 'help'];
  const near = closest(name, names);
  throw new ChainError([problem('E_USAGE', `unknown command '${name}'${near ? `: did you mean ${near}?` : ''}`, { hint: `commands: ${names.join(', ')}; chain help <command> explains one` })]);
}
