/**
 * A node's new version, set where it is declared (its layer.yaml, else chain.yaml), through the
 * `yaml` package's document model, so comments and formatting stay as the team wrote them.
 * Returns the new texts; the caller writes them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parseDocument } from 'yaml';
import type { ChainConfig } from '../core/model.js';
import { LAYER_FILE } from './find.js';

/** Where a node's version is declared: its layer.yaml when that sets it, else chain.yaml. */
export function versionFile(config: ChainConfig, node: string): { file: string; path: string[] } {
  const n = config.nodes[node];
  if (n?.kind === 'built') {
    const layer = path.join(config.root, n.path, LAYER_FILE);
    if (existsSync(layer) && parseDocument(readFileSync(layer, 'utf8')).has('version')) return { file: layer, path: ['version'] };
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
  return [...byFile].map(([file, edits]) => {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    for (const edit of edits) {
      const scalar = doc.getIn(edit.path, true);
      // Changing the scalar in place keeps its comments and style.
      if (isScalar(scalar)) scalar.value = edit.version;
      else doc.setIn(edit.path, edit.version);
    }
    return { file, text: doc.toString() };
  });
}
