/**
 * A node's new version, set where it is declared (its layer.yaml, else chain.yaml). Only the
 * version's own characters change: the old value is replaced in the text where the `yaml`
 * package's parse says it is, so comments, quoting and long lines (a `test:` entry) stay exactly
 * as the team wrote them; the document model is not printed again. Returns the new texts; the
 * caller writes them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parseDocument, Scalar } from 'yaml';
import type { ChainConfig } from '../core/model.js';
import { LAYER_FILE } from './find.js';
import { readText } from './read.js';

/** Where a node's version is declared: its layer.yaml when that sets it, else chain.yaml. */
export function versionFile(config: ChainConfig, node: string): { file: string; path: string[] } {
  const n = config.nodes[node];
  if (n?.kind === 'built') {
    const layer = path.join(config.root, n.path, LAYER_FILE);
    if (existsSync(layer) && parseDocument(readText(layer, 'E_LAYER_READ', 'layer file')).has('version')) return { file: layer, path: ['version'] };
  }
  return { file: config.file, path: ['nodes', node, 'version'] };
}

export interface FileEdit {
  file: string;
  text: string;
}

/** The files with these versions set in place, one edit per file. */
export function versionEdits(config: ChainConfig, versions: Record<string, string>): FileEdit[] {
  const byFile = new Map<string, { path: string[]; version: string }[]>();
  for (const [node, version] of Object.entries(versions)) {
    const where = versionFile(config, node);
    byFile.set(where.file, [...(byFile.get(where.file) ?? []), { path: where.path, version }]);
  }
  return [...byFile].map(([file, edits]) => ({ file, text: setVersions(readText(file, 'E_LAYER_READ', 'file'), edits) }));
}

/** The text with each version replaced in place; a value that cannot be (none yet, a block scalar) is set through the document. */
export function setVersions(text: string, edits: { path: string[]; version: string }[]): string {
  const doc = parseDocument(text);
  const replacements: { start: number; end: number; text: string }[] = [];
  for (const edit of edits) {
    const scalar = doc.getIn(edit.path, true);
    const replacement = isScalar(scalar) ? inPlace(text, scalar, edit.version) : undefined;
    if (!replacement) return throughDocument(text, edits);
    replacements.push(replacement);
  }
  let out = text;
  for (const r of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}

/** The same scalar style with the new value, where the old value's characters are. */
function inPlace(text: string, scalar: Scalar, version: string): { start: number; end: number; text: string } | undefined {
  const [start, end] = scalar.range ?? [];
  if (start === undefined || end === undefined) return undefined;
  const old = String(scalar.value);
  const quote = scalar.type === Scalar.QUOTE_SINGLE ? "'" : scalar.type === Scalar.QUOTE_DOUBLE ? '"' : scalar.type === Scalar.PLAIN ? '' : undefined;
  // Only a one-line value written exactly as read is replaced (a semver needs no escaping).
  if (quote === undefined || text.slice(start, end) !== `${quote}${old}${quote}`) return undefined;
  return { start, end, text: `${quote}${version}${quote}` };
}

function throughDocument(text: string, edits: { path: string[]; version: string }[]): string {
  const doc = parseDocument(text);
  for (const edit of edits) {
    const scalar = doc.getIn(edit.path, true);
    if (isScalar(scalar)) scalar.value = edit.version;
    else doc.setIn(edit.path, edit.version);
  }
  // No folding of long lines: what is printed again stays on the lines it was on.
  return doc.toString({ lineWidth: 0 });
}
