/**
 * The build context exactly as the engine receives it: the node's folder with .dockerignore
 * applied the way the docker CLI applies it (the Dockerfile and .dockerignore are always sent).
 * The same walk feeds the fingerprint and the tar, so what is hashed is what is built.
 *
 * What is not a file, a folder or a symlink is handled as the docker CLI handles it, and never
 * opened: a socket is skipped (tar cannot hold one); a FIFO or a device is sent as an empty entry
 * of its kind. Whatever .dockerignore says, no context ever holds `.git` or the chain's state
 * folder; the private keys a context would send are listed, for plan and build to refuse.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { readIgnoreRules } from './context-ignore.js';
import { readRegularFile } from './files.js';
import type { GitIndex } from './git.js';
import { STATE_DIR } from './state.js';

export type SpecialKind = 'fifo' | 'character-device' | 'block-device';

export interface ContextSnapshot {
  /** file path relative to the context -> "<git mode> <git blob sha1>" (a FIFO or device: its kind) */
  files: Record<string, string>;
  /** every folder the tar packer sends, relative to the context (its files are those of `files` with a git mode: see sends()) */
  folders: Set<string>;
  /** files not as the commit checked out has them (modified, staged, untracked); all of them outside git */
  uncommitted: string[];
  /** FIFOs and devices: sent as empty entries of their kind, never opened */
  specials: { path: string; kind: SpecialKind; mode: number; devmajor: number; devminor: number }[];
  /** never sent: sockets (as the docker CLI skips them), `.git`, the state folder */
  skipped: { path: string; why: 'socket' | 'git' | 'state' }[];
  /** files sent that are named like private keys (*.key, id_rsa, ...) */
  privateKeys: string[];
}

/** Whether the tar packer sends this path as a file or folder of its own (FIFOs and devices are added apart, as empty entries). */
export function sends(snapshot: ContextSnapshot, rel: string): boolean {
  return snapshot.folders.has(rel) || /^1\d{5} /.test(snapshot.files[rel] ?? '');
}

/** Names of private key files: what `chain keys generate` writes (*.key) and SSH's private keys. */
export const PRIVATE_KEY_NAME = /(^|\/)([^/]+\.key|id_(rsa|dsa|ecdsa|ed25519))$/;

/** Git's blob hash, so that tracked files can take git's hash and others hash the same way. */
export function gitBlobHash(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function hashFile(abs: string, stat: Stats): string {
  if (stat.isSymbolicLink()) return `120000 ${gitBlobHash(Buffer.from(readlinkSync(abs)))}`;
  return `${stat.mode & 0o111 ? '100755' : '100644'} ${gitBlobHash(readRegularFile(abs))}`;
}

/** Linux's dev_t: the major and minor numbers of a device. */
const major = (rdev: number) => Math.floor(rdev / 256) % 4096;
const minor = (rdev: number) => (rdev % 256) + (Math.floor(rdev / 1048576) % 4096) * 256;

function specialKind(dirent: Dirent): SpecialKind | 'socket' | undefined {
  if (dirent.isFIFO()) return 'fifo';
  if (dirent.isCharacterDevice()) return 'character-device';
  if (dirent.isBlockDevice()) return 'block-device';
  return dirent.isSocket() ? 'socket' : undefined;
}

/**
 * @param root the chain root (git index paths are relative to it)
 * @param context the context folder relative to root
 * @param dockerfile the Dockerfile relative to the context
 * @param listed the context folder's entries, when loading the chain listed it already
 */
export function snapshotContext(root: string, context: string, dockerfile: string, index?: GitIndex, listed?: Dirent[]): ContextSnapshot {
  const contextAbs = path.join(root, context);
  const prefix = context === '' ? '' : `${context}/`;
  const top = listed ?? listContext(contextAbs);
  const rules = top?.some((d) => d.name === '.dockerignore') === false ? { hasExceptions: false } : readIgnoreRules(contextAbs);
  const alwaysSent = new Set([dockerfile, '.dockerignore']);
  const snapshot: ContextSnapshot = { files: {}, folders: new Set(), uncommitted: [], specials: [], skipped: [], privateKeys: [] };
  const problems: Problem[] = [];
  const unreadable = (rel: string, err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    problems.push(problem('E_CONTEXT_UNREADABLE', `${rel} in the build context cannot be read (${code}): the engine is sent every file of the context`, {
      hint: 'make it readable, or keep it out of the context with .dockerignore',
      location: { file: path.join(contextAbs, rel) },
    }));
  };
  const walk = (dirRel: string, dirIgnored: boolean): void => {
    let dirents: Dirent[];
    try {
      dirents = dirRel === '' && top ? top : readdirSync(path.join(contextAbs, dirRel), { withFileTypes: true });
    } catch (err) {
      // The docker CLI refuses a folder it cannot list, unless .dockerignore leaves it out.
      if (!dirIgnored && (err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable(dirRel || '.', err);
      return;
    }
    for (const dirent of dirents) {
      const rel = dirRel === '' ? dirent.name : `${dirRel}/${dirent.name}`;
      if (dirent.name === '.git' || (rel === STATE_DIR && context === '')) {
        snapshot.skipped.push({ path: rel, why: dirent.name === '.git' ? 'git' : 'state' });
        continue;
      }
      const ignored = rules.ignores !== undefined && rules.ignores(rel) && !alwaysSent.has(rel);
      if (dirent.isDirectory()) {
        // Like the CLI: an ignored folder is skipped whole unless an exception (!) may re-include part of it.
        if (ignored && !rules.hasExceptions) continue;
        if (!ignored) snapshot.folders.add(rel);
        walk(rel, ignored);
        continue;
      }
      if (ignored) continue;
      const special = specialKind(dirent);
      if (special) {
        addSpecial(snapshot, contextAbs, rel, special);
        continue;
      }
      if (!dirent.isFile() && !dirent.isSymbolicLink()) continue;
      try {
        addFile(snapshot, contextAbs, rel, dirent.isSymbolicLink(), index?.get(prefix + rel));
      } catch (err) {
        if (err instanceof ChainError) throw err;
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable(rel, err);
      }
    }
  };
  walk('', false);
  if (problems.length > 0) throw new ChainError(problems);
  // A file re-included inside an ignored folder needs its folders in the tar too. (Without an
  // exception in .dockerignore, an ignored folder is never entered: every sent file's folders are.)
  if (rules.hasExceptions) {
    for (const rel of [...snapshot.folders, ...Object.keys(snapshot.files)]) {
      for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) snapshot.folders.add(dir);
    }
  }
  snapshot.uncommitted.sort();
  return snapshot;
}

/** The context folder's entries; undefined when it cannot be listed (the walk then says why). */
function listContext(contextAbs: string): Dirent[] | undefined {
  try {
    return readdirSync(contextAbs, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

/**
 * A file or symlink: git's hash when it is committed as it is (git's status has compared it with
 * the work tree: nothing is read or stat'ed here), else its own hash from its content.
 */
function addFile(snapshot: ContextSnapshot, contextAbs: string, rel: string, symlink: boolean, committed: string | undefined): void {
  if (committed === undefined || committed.startsWith('120000') !== symlink) {
    const abs = path.join(contextAbs, rel);
    snapshot.uncommitted.push(rel);
    snapshot.files[rel] = hashFile(abs, lstatSync(abs));
  } else {
    snapshot.files[rel] = committed;
  }
  if (PRIVATE_KEY_NAME.test(rel)) snapshot.privateKeys.push(rel);
}

function addSpecial(snapshot: ContextSnapshot, contextAbs: string, rel: string, kind: SpecialKind | 'socket'): void {
  if (kind === 'socket') {
    snapshot.skipped.push({ path: rel, why: 'socket' });
    return;
  }
  const stat = lstatSync(path.join(contextAbs, rel));
  const entry = { path: rel, kind, mode: stat.mode & 0o7777, devmajor: kind === 'fifo' ? 0 : major(stat.rdev), devminor: kind === 'fifo' ? 0 : minor(stat.rdev) };
  snapshot.specials.push(entry);
  snapshot.files[rel] = kind === 'fifo' ? `fifo ${entry.mode.toString(8)}` : `${kind} ${entry.devmajor}:${entry.devminor} ${entry.mode.toString(8)}`;
  snapshot.uncommitted.push(rel);
}
