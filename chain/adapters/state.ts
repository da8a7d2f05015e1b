/**
 * The state folder (.chain/ beside chain.yaml): build records and logs. Writes are atomic
 * (temp file, fsync, rename, fsync of the folder) and every record carries a checksum, so a
 * record cut short by a kill is detected and treated as missing, never trusted.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256 } from '../core/fingerprint.js';
import type { BuildRecord } from '../core/inputs.js';

export const STATE_DIR = '.chain';

export function writeFileAtomic(file: string, content: string): void {
  const dir = path.dirname(file);
  ignoreStateDir(dir);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
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
    const sealed = JSON.parse(readFileSync(file, 'utf8')) as Sealed<T>;
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

  readRecord(node: string): BuildRecord | undefined {
    const record = readSealed<BuildRecord>(this.recordFile(node));
    return record?.format === 1 && record.node === node ? record : undefined;
  }

  writeRecord(record: BuildRecord): void {
    writeSealed(this.recordFile(record.node), record);
  }
}
