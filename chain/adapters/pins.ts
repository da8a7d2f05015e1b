/**
 * chain.lock, committed beside chain.yaml: the digest each external image reference resolved to.
 * Builds use the pins, so a vendor re-pushing a tag changes nothing until `chain update`. It is
 * read and checked, with positions, by config/lock.ts; this writes it.
 */
import path from 'node:path';
import { canonicalJson } from '../core/fingerprint.js';
import { LOCK_FILE, type Lockfile } from '../core/lockfile.js';
import { writeFileAtomic } from './state.js';

export { LOCK_FILE } from '../core/lockfile.js';
export type { Lockfile, Pin, SourcePin } from '../core/lockfile.js';

export function writeLock(root: string, lock: Lockfile): void {
  writeFileAtomic(path.join(root, LOCK_FILE), `${JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2)}\n`);
}
