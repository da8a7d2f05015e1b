/**
 * chain.lock, committed beside chain.yaml: the digest each external image reference resolved to.
 * Builds use the pins, so a vendor re-pushing a tag changes nothing until `chain update`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../core/fingerprint.js';
import { fail } from '../core/errors.js';
import { writeFileAtomic } from './state.js';

export const LOCK_FILE = 'chain.lock';

export interface Pin {
  /** the reference as chain.yaml wrote it when it was pinned */
  image: string;
  /** repo@sha256:... (manifest) or sha256:... (the engine's image ID, for images in no registry) */
  digest: string;
  kind: 'manifest' | 'image-id';
}

export interface SourcePin {
  git: string;
  ref: string;
  commit: string;
}

export interface Lockfile {
  lockfileVersion: 1;
  externals: Record<string, Pin>;
  /** team repositories: the commit each node's source is pinned to */
  sources?: Record<string, SourcePin>;
}

export function readLock(root: string): Lockfile | undefined {
  const file = path.join(root, LOCK_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const lock = JSON.parse(text) as Lockfile;
    if (lock.lockfileVersion !== 1 || typeof lock.externals !== 'object') throw new Error('not a version 1 lockfile');
    return lock;
  } catch (err) {
    return fail('E_LOCK_INVALID', `${LOCK_FILE} cannot be read: ${(err as Error).message}`, { hint: 'restore it from git, or delete it and run chain update', location: { file } });
  }
}

export function writeLock(root: string, lock: Lockfile): void {
  writeFileAtomic(path.join(root, LOCK_FILE), `${JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2)}\n`);
}
