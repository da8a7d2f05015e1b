/** Writes new versions where they are declared, keeping comments and formatting (chain patch, chain nightly). */
import { versionEdits } from '../config/edit.js';
import type { ChainConfig } from '../core/model.js';
import { writeFileAtomic } from '../adapters/state.js';

/** Returns the files written. */
export function writeVersions(config: ChainConfig, versions: Record<string, string>): string[] {
  const edits = versionEdits(config, versions);
  for (const edit of edits) writeFileAtomic(edit.file, edit.text);
  return edits.map((e) => e.file);
}
