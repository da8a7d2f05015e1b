/**
 * One directory listing per folder for a whole load: the context folders are listed once, and what
 * config needs (is there a layer.yaml, a Dockerfile) and what the context walk needs come from the
 * same listing instead of a probe per file (a missing file's probe is a thrown and caught error).
 * Real paths are resolved once per folder and shared by the nodes beneath it.
 */
import { lstatSync, readdirSync, realpathSync, type Dirent } from 'node:fs';
import path from 'node:path';

export class Listings {
  private readonly dirs = new Map<string, Dirent[] | undefined>();
  private readonly reals = new Map<string, string>();

  /** The entries of a folder, or undefined when it cannot be listed (missing, not a folder, no permission). */
  list(dir: string): Dirent[] | undefined {
    if (this.dirs.has(dir)) return this.dirs.get(dir);
    let entries: Dirent[] | undefined;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      entries = undefined;
    }
    this.dirs.set(dir, entries);
    return entries;
  }

  /** A folder's entries when this load has listed it already; nothing is read. */
  known(dir: string): Dirent[] | undefined {
    return this.dirs.get(dir);
  }

  /** The entry named `name` in `dir`, when the folder can be listed and has it. */
  entry(dir: string, name: string): Dirent | undefined {
    return this.list(dir)?.find((d) => d.name === name);
  }

  /**
   * The real path of a folder: its parent's real path (memoized) joined with its name when it is
   * not a symlink, so that the nodes of one folder cost one lstat each instead of a realpath walk.
   * Throws what the file system says (ENOENT, ELOOP, EACCES).
   */
  real(abs: string): string {
    const known = this.reals.get(abs);
    if (known !== undefined) return known;
    const parent = path.dirname(abs);
    const real = parent === abs || lstatSync(abs).isSymbolicLink() ? realpathSync.native(abs) : path.join(this.real(parent), path.basename(abs));
    this.reals.set(abs, real);
    return real;
  }
}
