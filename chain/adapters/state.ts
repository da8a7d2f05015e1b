/**
 * The state folder (.chain/ beside chain.yaml): build records and logs. Writes are atomic
 * (temp file, fsync, rename, fsync of the folder) and every record carries a checksum, so a
 * record cut short by a kill is detected and treated as missing, never trusted.
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ChainError, ExitCode, problem } from '../core/errors.js';
import { canonicalJson, sha256 } from '../core/fingerprint.js';
import { readRegularText } from './files.js';
import type { BuildRecord } from '../core/inputs.js';

export const STATE_DIR = '.chain';

/** This checkout of the chain on this machine: its runs' test containers carry it, so two checkouts of one chain never clean up each other's. */
export function checkoutId(root: string): string {
  let real = root;
  try {
    real = realpathSync.native(root);
  } catch {
    // a root that cannot be resolved is named as given
  }
  return sha256(`${hostname()}:${real}`).slice(0, 16);
}

/**
 * A file the state folder (or chain.lock, CODEOWNERS, a report) could not be written to: a full
 * disk, a quota, a read-only or unwritable folder. One clear line, exit 3; nothing half-written
 * is left behind (the temp file goes), so nothing half-written is ever read.
 */
export function unwritable(file: string, err: unknown): ChainError {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  const why =
    code === 'ENOSPC' || code === 'EDQUOT' ? 'no space left on the device'
    : code === 'EROFS' ? 'a read-only file system'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file stands where a folder must be'
    : code;
  return new ChainError(
    [problem('E_STATE_WRITE', `cannot write ${file}: ${why} (${code})`, { hint: `free space or fix permissions under ${path.dirname(file)}, then run again: what was not written is redone`, location: { file } })],
    ExitCode.environment,
  );
}

const WRITE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOTDIR', 'EEXIST']);

/** The file system's refusals to write become E_STATE_WRITE; anything else stays what it was (a bug). */
export function writeError(file: string, err: unknown): unknown {
  return WRITE_ERRORS.has((err as NodeJS.ErrnoException).code ?? '') ? unwritable(file, err) : err;
}

/** Runs a write, its refusals told as E_STATE_WRITE. */
export function writing<T>(file: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw writeError(file, err);
  }
}

/**
 * Writes a file whole or not at all. A symlink is written through (its target gets the content,
 * the link stays a link); anything that is not a regular file (a device, a FIFO, a folder) is
 * refused, never replaced. The file keeps its permissions.
 */
export function writeFileAtomic(file: string, content: string): void {
  const target = writing(file, () => writeTarget(file));
  const dir = path.dirname(target.path);
  const tmp = `${target.path}.${process.pid}.${Date.now()}.tmp`;
  writing(target.path, () => {
    ignoreStateDir(dir);
    mkdirSync(dir, { recursive: true });
    try {
      const fd = openSync(tmp, 'w', target.mode ?? 0o666);
      try {
        if (target.mode !== undefined) fchmodSync(fd, target.mode);
        writeSync(fd, content);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  });
}

/** The file a write lands in: a symlink's final target; refused when that is not a regular file. */
function writeTarget(file: string): { path: string; mode?: number } {
  let target = path.resolve(file);
  for (let hops = 0; ; hops++) {
    const stat = lstatSync(target, { throwIfNoEntry: false });
    if (!stat) return { path: target };
    if (stat.isFile()) return { path: target, mode: stat.mode & 0o7777 };
    if (!stat.isSymbolicLink() || hops >= 40) {
      const what = stat.isSymbolicLink() ? 'a loop of symlinks' : stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'a device';
      throw new ChainError([problem('E_NOT_A_FILE', `${file} is ${what}, not a regular file: chain does not write over it`, { hint: 'name a regular file (or a symlink to one)', location: { file } })], ExitCode.input);
    }
    target = path.resolve(path.dirname(target), readlinkSync(target));
  }
}

/** The state folder ignores itself, so its records and logs never end up in a commit. */
function ignoreStateDir(dir: string): void {
  const at = dir.split(path.sep).lastIndexOf(STATE_DIR);
  if (at < 0) return;
  const stateDir = dir.split(path.sep).slice(0, at + 1).join(path.sep);
  if (existsSync(path.join(stateDir, '.gitignore'))) return;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path.join(stateDir, '.gitignore'), '# chain state: records, logs, provenance\n*\n');
}

interface Sealed<T> {
  sha256: string;
  body: T;
}

/** Writes a value with a checksum of its canonical form. */
export function writeSealed(file: string, body: unknown): void {
  writeFileAtomic(file, `${JSON.stringify({ sha256: sha256(canonicalJson(body)), body }, null, 2)}\n`);
}

/** Reads a sealed value; undefined when missing, unparsable or not matching its checksum. */
export function readSealed<T>(file: string): T | undefined {
  try {
    const sealed = JSON.parse(readRegularText(file)) as Sealed<T>;
    return sealed && sha256(canonicalJson(sealed.body)) === sealed.sha256 ? sealed.body : undefined;
  } catch {
    return undefined;
  }
}

export interface PendingCascade {
  reason: string;
  versions: Record<string, string>;
  at: string;
}

export interface NightInProgress {
  /** chain.lock as the night found it (undefined: there was none) */
  previous?: unknown;
  moved: { kind: 'image' | 'source'; node: string; image: string; from?: string; to: string; moved: boolean }[];
  /** versions before the night's bumps */
  before: Record<string, string>;
  /** the bumps it gave */
  versions: Record<string, string>;
}

export class StateStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, STATE_DIR);
  }

  private recordFile(node: string): string {
    return path.join(this.dir, 'records', `${node}.json`);
  }

  logFile(node: string): string {
    return path.join(this.dir, 'logs', `${node}.log`);
  }

  /**
   * E_STATE_WRITE (exit 3) now, when the state folder cannot be written (it is a file, read-only,
   * full): for commands that would otherwise change files first and fail on their record after.
   */
  ensureWritable(): void {
    const probe = path.join(this.dir, `.probe.${process.pid}`);
    writing(probe, () => {
      ignoreStateDir(this.dir);
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
    });
  }

  /** The nodes that have a record file (one folder read instead of a failed open per node). */
  recordedNodes(): Set<string> {
    try {
      return new Set(readdirSync(path.join(this.dir, 'records')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)));
    } catch {
      return new Set();
    }
  }

  /** The last patch cascade: its reason, and the versions it gave (for provenance of what it builds). */
  readCascade(): PendingCascade | undefined {
    return readSealed<PendingCascade>(path.join(this.dir, 'cascade.json'));
  }

  writeCascade(cascade: PendingCascade): void {
    writeSealed(path.join(this.dir, 'cascade.json'), cascade);
  }

  /** The nightly run under way (or interrupted): what it found moved, the lock it started from, the versions it gave. */
  readNight(): NightInProgress | undefined {
    return readSealed<NightInProgress>(path.join(this.dir, 'nightly.json'));
  }

  writeNight(night: NightInProgress): void {
    writeSealed(path.join(this.dir, 'nightly.json'), night);
  }

  clearNight(): void {
    writing(path.join(this.dir, 'nightly.json'), () => rmSync(path.join(this.dir, 'nightly.json'), { force: true }));
  }

  readRecord(node: string): BuildRecord | undefined {
    const record = readSealed<BuildRecord>(this.recordFile(node));
    return record?.format === 1 && record.node === node ? record : undefined;
  }

  writeRecord(record: BuildRecord): void {
    writeSealed(this.recordFile(record.node), record);
  }
}
