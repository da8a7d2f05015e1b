/**
 * What to say about a YAML file that does not load: a hint that fits the key where the error is
 * (a test command holding `: ` is told to quote it; only `from:` gets the from-hint), and, for a
 * key set twice, which key and where it was first set.
 */
import path from 'node:path';
import type { Document, LineCounter, Pair } from 'yaml';

type YamlModule = typeof import('yaml');

/** The mapping key a line sets (`  from: x`, `- test: y`), if it sets one. */
export function keyOfLine(line: string): string | undefined {
  return /^\s*(?:-\s+)*["']?([A-Za-z_][\w.-]*)["']?\s*:(?:\s|$)/.exec(line)?.[1];
}

/** The hint for a syntax error on this line of the file. */
export function syntaxHint(text: string, line: number): string {
  const lineText = text.split('\n')[line - 1] ?? '';
  const key = keyOfLine(lineText);
  const value = key ? lineText.slice(lineText.indexOf(':') + 1).trim() : lineText.replace(/^\s*-\s*/, '').trim();
  const holdsColon = /:\s/.test(value);
  if (key === 'from') return 'from: names parent nodes: from: corebuild@^1, or a list: from: [httpd@^2, runtime@^1]';
  if (key === 'test' || (key === undefined && holdsColon && /^\s*-\s/.test(lineText))) {
    return `a command holding ': ' must be quoted, or YAML reads it as a key: ${key ? 'test: ' : '- '}${yamlQuoted(unquoted(value))}`;
  }
  if (holdsColon && key) return `a value holding ': ' must be quoted, or YAML reads it as a key: ${key}: ${yamlQuoted(unquoted(value))}`;
  return 'check indentation, quoting and colons near this position';
}

const unquoted = (value: string) => value.replace(/^(["'])(.*)\1$/, '$2');

/** Text as a YAML string: in double quotes, or in single quotes when it holds double quotes or backslashes (shell commands often do). */
export function yamlQuoted(text: string): string {
  return /["\\]/.test(text) ? `'${text.replace(/'/g, "''")}'` : `"${text}"`;
}

export interface DuplicateKey {
  key: string;
  /** the keys of the mappings above it, from the top */
  under: string[];
  /** offsets of the first and the repeated key */
  first: number;
  again: number;
}

/** Every key set twice in one mapping, with where it was first set. */
export function duplicateKeys(yaml: YamlModule, doc: Document.Parsed): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  yaml.visit(doc, {
    Map(_, map, ancestors) {
      const seen = new Map<string, number>();
      const under = ancestors.filter((a): a is Pair => yaml.isPair(a)).map((p) => (yaml.isScalar(p.key) ? String(p.key.value) : '?'));
      for (const item of map.items) {
        if (!yaml.isScalar(item.key) || !item.key.range) continue;
        const key = String(item.key.value);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, item.key.range[0]);
        else found.push({ key, under, first, again: item.key.range[0] });
      }
    },
  });
  return found;
}

/** `'core' is set twice in nodes: first at chain.yaml:11:3` */
export function duplicateMessage(d: DuplicateKey, file: string, lines: LineCounter): string {
  const first = lines.linePos(d.first);
  const where = d.under.length > 0 ? `in ${d.under.join('.')}` : 'at the top level';
  return `the key '${d.key}' is set twice ${where}: first at ${path.basename(file)}:${first.line}:${first.col}`;
}
