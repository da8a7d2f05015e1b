/**
 * Words of a POSIX shell command line, as far as `chain ci` needs them: user text (the chain
 * command, pass-through flags) is read into words whose `$NAME` references stay references, and
 * written back quoted so that a CI job's shell sees exactly those words and expands only those
 * references. Anything that would run code or be expanded by the CI engine itself (command
 * substitution, `${{ }}` or `{{ }}` templates) is refused.
 */
import { fail } from './errors.js';

/** A piece of a word: literal text, or a reference to an environment variable. */
export type WordPart = { text: string } | { ref: string };
export type Word = WordPart[];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Reads `input` into words; `what` names it in errors (e.g. "--chain-args"). */
export function parseWords(input: string, what: string): Word[] {
  const bad = (message: string): never => fail('E_CI_ARGS', `${what}: ${message}`, { hint: `e.g. ${what}='--sign-key "$CHAIN_SIGN_KEY"': secrets as $VARIABLE references, expanded by the job's shell` });
  if (/\$\{\{|\{\{/.test(input)) bad('no CI templates (${{ }} or {{ }}): the engine would put their values into the job\'s script');
  const words: Word[] = [];
  let word: Word | undefined;
  const add = (part: WordPart) => {
    word ??= [];
    const last = word[word.length - 1];
    if ('text' in part && last && 'text' in last) last.text += part.text;
    else word.push(part);
  };
  let i = 0;
  const reference = (): boolean => {
    const braced = input[i + 1] === '{';
    const rest = input.slice(i + (braced ? 2 : 1));
    const name = NAME.exec(rest)?.[0];
    if (!name || (braced && rest[name.length] !== '}')) return false;
    add({ ref: name });
    i += name.length + (braced ? 3 : 1);
    return true;
  };
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      if (word) words.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) bad('a quote is not closed');
      add({ text: input.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '"') {
      i++;
      add({ text: '' });
      while (input[i] !== '"') {
        if (i >= input.length) bad('a quote is not closed');
        const d = input[i] as string;
        if (d === '\\' && /["\\$`]/.test(input[i + 1] ?? '')) {
          add({ text: input[i + 1] as string });
          i += 2;
        } else if (d === '$') {
          if (!reference()) bad(`only $NAME and \${NAME} may follow a $ (at '${input.slice(i, i + 10)}')`);
        } else if (d === '`') {
          bad('no command substitution');
        } else {
          add({ text: d });
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= input.length) bad('it ends with a backslash');
      add({ text: input[i + 1] as string });
      i += 2;
    } else if (c === '$') {
      if (!reference()) bad(`only $NAME and \${NAME} may follow a $ (at '${input.slice(i, i + 10)}')`);
    } else if (/[`;&|<>()*?[\]#~]/.test(c)) {
      bad(`'${c}' is shell syntax: quote it if it is text`);
    } else {
      add({ text: c });
      i++;
    }
  }
  if (word) words.push(word);
  return words;
}

/** The word's text with its references written as `$NAME` (for messages and option checks). */
export function wordText(word: Word): string {
  return word.map((p) => ('ref' in p ? `$${p.ref}` : p.text)).join('');
}

/** A word quoted for a POSIX shell: bare when safe, single-quoted text, double quotes around references. */
export function quoteWord(word: Word): string {
  if (!word.some((p) => 'ref' in p)) return quoteText(word.map((p) => ('text' in p ? p.text : '')).join(''));
  return `"${word.map((p) => ('ref' in p ? `\${${p.ref}}` : p.text.replace(/["\\$`]/g, (m) => `\\${m}`))).join('')}"`;
}

/** Plain text quoted for a POSIX shell. */
export function quoteText(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
