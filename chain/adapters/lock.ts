/**
 * One `chain build` at a time per chain: a lock on the state folder (proper-lockfile's atomic
 * mkdir, its mtime refreshed while the holder runs). Whether a lock is abandoned is decided here,
 * not by the mtime alone: on the same host the holder's process is asked (a stopped or busy
 * holder is alive and keeps its lock; a dead one, or a reused pid, loses it); a holder on another
 * host (a shared folder) loses it once its lock has not been refreshed for `staleMs`. A holder
 * whose lock was taken anyway is told (onLost) and must stop: never two writers.
 */
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, fail } from '../core/errors.js';
import { readRegularText } from './files.js';
import { writeError, writing } from './state.js';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** the holder process's start time (clock ticks since boot, /proc/<pid>/stat), so that a reused pid is not taken for it */
  started?: string;
}

export interface LockOptions {
  /** exit at once instead of waiting for the holder */
  noWait: boolean;
  /** told once when the run has to wait */
  onWait: (holder: LockHolder | undefined) => void;
  /** another host's holder that has not refreshed its lock for this long has abandoned it */
  staleMs?: number;
  /** the lock was taken from this holder after all (its folder removed, or taken over): stop writing */
  onLost?: (reason: string) => void;
  /** stops waiting */
  signal?: AbortSignal;
}

export type Release = () => Promise<void>;

/** proper-lockfile must never take a lock over by itself: the decision is abandoned() below. */
const NEVER_STALE = 2 ** 30;
const REFRESH_MS = 2_000;

export async function acquireBuildLock(stateDir: string, opts: LockOptions): Promise<Release> {
  const target = path.join(stateDir, 'build');
  const holderFile = path.join(stateDir, 'build.holder.json');
  writing(target, () => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(target, '', { flag: 'a' });
  });
  const staleMs = opts.staleMs ?? 30_000;
  const options = {
    stale: NEVER_STALE,
    update: REFRESH_MS,
    realpath: false,
    retries: 0,
    onCompromised: (err: Error) => opts.onLost?.(err.message),
  };
  let told = false;
  for (let delay = 200; ; delay = Math.min(delay * 1.5, 1000)) {
    try {
      const release = await lockfile.lock(target, options);
      const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...startTime(process.pid) };
      try {
        writing(holderFile, () => writeFileSync(holderFile, JSON.stringify(holder)));
      } catch (err) {
        await release();
        throw err;
      }
      // The holder file goes first: a later run that dies before writing its own is not taken for this one.
      return async () => {
        rmSync(holderFile, { force: true });
        await release().catch(() => undefined); // a lock already lost has nothing to release
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED') throw writeError(target, err);
    }
    const holder = readHolder(holderFile);
    if (abandoned(`${target}.lock`, holder, staleMs)) {
      // Renamed away first: of several runs finding it abandoned, one removes it.
      const away = `${target}.lock.abandoned-${process.pid}`;
      try {
        renameSync(`${target}.lock`, away);
        rmSync(away, { recursive: true, force: true });
      } catch {
        // another run got there first
      }
      continue;
    }
    if (opts.noWait) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}` : 'another process';
      fail('E_LOCKED', `another chain build is running on this chain (${who})`, { hint: 'wait for it, or run again without --no-wait to queue behind it' }, ExitCode.environment);
    }
    if (!told) opts.onWait(holder);
    told = true;
    // An interrupt ends the wait at once, not when the holder finishes.
    await pause(delay, opts.signal);
    if (opts.signal?.aborted) interrupted(opts.signal, holder);
  }
}

/** Waits, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

function interrupted(signal: AbortSignal, holder: LockHolder | undefined): never {
  const why = signal.reason instanceof Error ? signal.reason.message : 'interrupted';
  const who = holder ? ` (pid ${holder.pid} on ${holder.host})` : '';
  return fail('E_INTERRUPTED', `${why} while waiting for another chain build on this chain${who} to finish: nothing was done`, { hint: 'the other build goes on; run the command again once it is done (chain build --no-wait fails at once instead of waiting)' }, ExitCode.interrupted);
}

/** Whether the lock's holder is gone: a dead process on this host, or no refresh for staleMs from another. */
function abandoned(lockDir: string, holder: LockHolder | undefined, staleMs: number): boolean {
  const mtime = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
  if (mtime === undefined) return false; // released meanwhile: simply try again
  const quiet = Date.now() - mtime > staleMs;
  // No holder file yet (or gone with its release), or a holder on another host: the mtime decides.
  if (!holder || holder.host !== hostname()) return quiet;
  if (!alive(holder.pid)) return true;
  const started = startTime(holder.pid).started;
  return holder.started !== undefined && started !== undefined && started !== holder.started;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time from /proc, when there is one (Linux). */
function startTime(pid: number): { started?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return started ? { started } : {};
  } catch {
    return {};
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readRegularText(file)) as LockHolder;
  } catch {
    return undefined;
  }
}
