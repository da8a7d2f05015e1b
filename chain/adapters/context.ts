/**
 * The build context exactly as the engine receives it: the node's folder with .dockerignore
 * applied the way the docker CLI applies it (the Dockerfile and .dockerignore are always sent).
 * The same walk feeds the fingerprint and the tar, so what is hashed is what is built.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignoreModule from '@balena/dockerignore';
import tar from 'tar-fs';
import type { GitIndex } from './git.js';

// CommonJS whose typings declare an ES default export; the function is also its own `default`.
const dockerignore = dockerignoreModule.default;

export interface ContextSnapshot {
  /** file path relative to the context -> "<git mode> <git blob sha1>" */
  files: Record<string, string>;
  /** every file and folder sent to the engine, relative to the context */
  entries: Set<string>;
  /** files not as the commit checked out has them (modified, staged, untracked); all of them outside git */
  uncommitted: string[];
}

/** Git's blob hash, so that tracked files can take git's hash and others hash the same way. */
export function gitBlobHash(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function hashFile(abs: string): string {
  const stat = lstatSync(abs);
  if (stat.isSymbolicLink()) return `120000 ${gitBlobHash(Buffer.from(readlinkSync(abs)))}`;
  return `${stat.mode & 0o111 ? '100755' : '100644'} ${gitBlobHash(readFileSync(abs))}`;
}

/**
 * @param root the chain root (git index paths are relative to it)
 * @param context the context folder relative to root
 * @param dockerfile the Dockerfile relative to the context
 */
export function snapshotContext(root: string, context: string, dockerfile: string, index?: GitIndex): ContextSnapshot {
  const contextAbs = path.join(root, context);
  const prefix = context === '' ? '' : `${context}/`;
  let patterns = '';
  try {
    patterns = readFileSync(path.join(contextAbs, '.dockerignore'), 'utf8');
  } catch {
    // no .dockerignore: everything is sent
  }
  const ignore = patterns.trim() === '' ? undefined : dockerignore({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.split('\n').some((l) => l.trim().startsWith('!'));
  const alwaysSent = new Set([dockerfile, '.dockerignore']);

  const files: Record<string, string> = {};
  const entries = new Set<string>();
  const uncommitted: string[] = [];
  const walk = (dirRel: string): void => {
    for (const dirent of readdirSync(path.join(contextAbs, dirRel), { withFileTypes: true })) {
      const rel = dirRel === '' ? dirent.name : `${dirRel}/${dirent.name}`;
      const ignored = ignore !== undefined && ignore.ignores(rel) && !alwaysSent.has(rel);
      if (dirent.isDirectory()) {
        // Like the CLI: an ignored folder is skipped whole unless an exception (!) may re-include part of it.
        if (ignored && !hasExceptions) continue;
        if (!ignored) entries.add(rel);
        walk(rel);
        continue;
      }
      if (ignored) continue;
      entries.add(rel);
      const committed = index?.get(prefix + rel);
      if (committed === undefined) uncommitted.push(rel);
      files[rel] = committed ?? hashFile(path.join(contextAbs, rel));
    }
  };
  walk('');
  // A file re-included inside an ignored folder needs its folders in the tar too.
  for (const rel of [...entries]) {
    for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) entries.add(dir);
  }
  return { files, entries, uncommitted: uncommitted.sort() };
}

/**
 * Packs the snapshot's entries, plus extra generated files (the rewritten Dockerfile), as the
 * uncompressed tar the Engine API takes.
 */
export function packContext(contextAbs: string, snapshot: ContextSnapshot, extra: Record<string, string>): Readable {
  const pack = tar.pack(contextAbs, {
    ignore: (name) => !snapshot.entries.has(path.relative(contextAbs, name).split(path.sep).join('/')),
    finalize: false,
    finish: (p) => {
      for (const [name, content] of Object.entries(extra)) p.entry({ name, mode: 0o644 }, content);
      p.finalize();
    },
  });
  return pack as unknown as Readable;
}
