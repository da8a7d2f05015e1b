/**
 * What `chain ci` puts into each job's command besides the node: the chain command
 * (--chain-command) and the `chain build` options every job adds (--chain-args). Both are user
 * text: read into shell words, checked, and quoted again by the renderers.
 */
import { fail } from '../core/errors.js';
import { parseWords, wordText, type Word } from '../core/shell-words.js';
import { closest } from '../core/suggest.js';
import { DEFAULT_CHAIN_COMMAND } from './defaults.js';
import { OPTIONS, type OptionName, type OptionSpec } from './options.js';

export { DEFAULT_CHAIN_COMMAND };

/**
 * The `chain build` options a job may add (a unit test checks that every option of chain build is
 * either here or set by chain ci, so that the two lists cannot drift apart).
 */
export const PASS_THROUGH: readonly OptionName[] = ['sign-key', 'builder', 'reason', 'require-clean', 'jobs', 'test-timeout', 'fail-fast', 'atomic', 'no-wait', 'verbose', 'json'];

/** Options of `chain build` that chain ci sets itself, and why. */
export const SET_BY_CI: Readonly<Record<string, string>> = {
  only: 'every job builds exactly its nodes with --only',
  push: 'every job pushes with --push: the registry is what jobs share',
  since: 'the pipeline already holds only what changed: give --since to chain ci',
  force: 'chain ci does not force rebuilds',
  file: 'chain ci adds --file when chain.yaml is not at the root of the repository',
  help: 'a job has nothing to ask',
};

export interface JobCommand {
  /** the chain command's words */
  command: Word[];
  /** the options every job adds, checked */
  args: Word[];
  /** environment variables the options refer to ($CHAIN_SIGN_KEY), which the renderers wire up */
  refs: Set<string>;
}

export function jobCommand(chainCommand: string | undefined, chainArgs: string | undefined): JobCommand {
  const command = parseWords(chainCommand ?? DEFAULT_CHAIN_COMMAND, '--chain-command');
  if (command.length === 0) fail('E_CI_ARGS', '--chain-command is empty', { hint: `e.g. --chain-command '${DEFAULT_CHAIN_COMMAND}'` });
  const args = parseWords(chainArgs ?? '', '--chain-args');
  checkBuildOptions(args);
  const refs = new Set([...command, ...args].flatMap((w) => w.flatMap((p) => ('ref' in p ? [p.ref] : []))));
  return { command, args, refs };
}

/** Only options `chain build` takes, with their values; none chain ci sets itself; no secret in clear. */
function checkBuildOptions(words: Word[]): void {
  const usage = PASS_THROUGH.map((o) => `--${o}`).join(', ');
  const bad = (message: string): never => fail('E_CI_ARGS', `--chain-args: ${message}`, { hint: `chain build options a job may add: ${usage}` });
  for (let i = 0; i < words.length; i++) {
    const text = wordText(words[i] as Word);
    const m = /^(--?)([^=]+)(=.*)?$/s.exec(text);
    if (!m) bad(`'${text}' is not an option: each job builds its own nodes`);
    const [, dashes, flag = '', inline] = m as RegExpExecArray;
    const name = dashes === '-' ? (Object.keys(OPTIONS) as OptionName[]).find((o) => (OPTIONS[o] as OptionSpec).short === flag) : (flag as OptionName);
    if (name && Object.hasOwn(SET_BY_CI, name)) bad(`--${name} is chain ci's to set: ${SET_BY_CI[name]}`);
    if (!name || !PASS_THROUGH.includes(name)) {
      const near = closest(name ?? flag, PASS_THROUGH);
      bad(`chain build takes no option ${text.split('=')[0]}${near ? `: did you mean --${near}?` : ''}`);
    }
    const spec: OptionSpec = OPTIONS[name as OptionName];
    if (spec.type === 'boolean') {
      if (inline !== undefined) bad(`--${name} takes no value`);
      continue;
    }
    const value = inline !== undefined ? inline.slice(1) : words[++i] !== undefined ? wordText(words[i] as Word) : bad(`--${name} needs a value`);
    if (/-----BEGIN|\n/.test(value)) bad(`the value of --${name} looks like a key itself: pass a reference to a file, e.g. --${name} "$CHAIN_SIGN_KEY"`);
  }
}
