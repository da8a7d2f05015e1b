/**
 * Entries remembered across runs in one JSON file of the state folder's `cache/`, by key: what a
 * run learned is written once it is done, with the entries it used and, up to a bound, older ones.
 * The file is kept only where the state folder exists already (chain has built there), so that a
 * plan or a lint of a fresh checkout writes nothing. It is read on the first entry asked for (a
 * plan of a few nodes may ask none); a missing, unreadable, foreign or malformed file is simply
 * not used (every entry is checked), and one that cannot be written is not an error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRegularText } from './files.js';
import { STATE_DIR, writeFileAtomic } from './state.js';

/** `<root>/.chain/cache/<name>` when the state folder exists, else undefined. */
export function stateCacheFile(root: string, name: string): string | undefined {
  return existsSync(path.join(root, STATE_DIR)) ? path.join(root, STATE_DIR, 'cache', name) : undefined;
}

export class StateCache<T> {
  private remembered: Map<string, T> | undefined;
  private readonly used = new Map<string, T>();
  private learned = 0;

  /**
   * @param file where the entries live; none: in memory only
   * @param header what the file must say besides its entries (a format number, a parser version)
   * @param valid whether an entry read from the file is well formed
   * @param keep entries kept beyond those this run used
   */
  constructor(
    private readonly file: string | undefined,
    private readonly header: Readonly<Record<string, string | number>>,
    private readonly valid: (key: string, value: unknown) => boolean,
    private readonly keep: number,
  ) {}

  private get known(): Map<string, T> {
    this.remembered ??= new Map(this.file ? Object.entries(this.readEntries(this.file)) : []);
    return this.remembered;
  }

  get(key: string): T | undefined {
    const value = this.used.get(key) ?? this.known.get(key);
    if (value !== undefined) this.used.set(key, value);
    return value;
  }

  set(key: string, value: T): void {
    this.used.set(key, value);
    this.learned += 1;
  }

  /** Writes what this run learned, with the entries it used and, up to the bound, the older ones. */
  save(): void {
    if (this.learned === 0 || !this.file) return;
    const entries: Record<string, T> = Object.fromEntries(this.used);
    let kept = 0;
    for (const [key, value] of this.known) {
      if (kept >= this.keep) break;
      if (entries[key] === undefined) {
        entries[key] = value;
        kept += 1;
      }
    }
    try {
      writeFileAtomic(this.file, JSON.stringify({ ...this.header, entries }));
      this.learned = 0;
    } catch {
      // A read-only checkout works as well, only without what was remembered.
    }
  }

  private readEntries(file: string): Record<string, T> {
    try {
      const data = JSON.parse(readRegularText(file)) as Record<string, unknown> | null;
      if (typeof data !== 'object' || data === null || Object.entries(this.header).some(([k, v]) => data[k] !== v)) return {};
      const entries = data['entries'];
      if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return {};
      return Object.entries(entries).every(([key, value]) => this.valid(key, value)) ? (entries as Record<string, T>) : {};
    } catch {
      return {};
    }
  }
}
