/**
 * One `chain build` at a time per chain: a lock on the state folder (proper-lockfile). The holder
 * refreshes the lock's mtime while it lives; a holder that died stops refreshing, its lock turns
 * stale and the next run takes it over, so no one waits forever on a dead run.
 */
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, fail } from '../core/errors.js';
import { writeError, writing } from './state.js';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export interface LockOptions {
  /** exit at once instead of waiting for the holder */
  noWait: boolean;
  /** told once when the run has to wait */
  onWait: (holder: LockHolder | undefined) => void;
  /** how long without a refresh before a lock counts as abandoned */
  staleMs?: number;
}

export type Release = () => Promise<void>;

export async function acquireBuildLock(stateDir: string, opts: LockOptions): Promise<Release> {
  const target = path.join(stateDir, 'build');
  const holderFile = path.join(stateDir, 'build.holder.json');
  writing(target, () => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(target, '', { flag: 'a' });
  });
  const stale = opts.staleMs ?? 10_000;
  const options = { stale, realpath: false, onCompromised: () => undefined };
  let release: Release;
  try {
    release = await lockfile.lock(target, { ...options, retries: 0 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ELOCKED') throw writeError(target, err);
    const holder = readHolder(holderFile);
    const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}` : 'another process';
    if (opts.noWait) {
      fail('E_LOCKED', `another chain build is running on this chain (${who})`, { hint: 'wait for it, or run again without --no-wait to queue behind it' }, ExitCode.environment);
    }
    opts.onWait(holder);
    release = await lockfile.lock(target, { ...options, retries: { forever: true, minTimeout: 200, maxTimeout: 1000, factor: 1.5 } });
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    writing(holderFile, () => writeFileSync(holderFile, JSON.stringify(holder)));
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}
