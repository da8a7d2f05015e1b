/**
 * Git: blob hashes of tracked files, the commit a tree is at, what changed since a ref, commits.
 * Through simple-git, except the reads every plan makes, which run git directly (plain()).
 */
import { execFile } from 'node:child_process';
import type { SimpleGit } from 'simple-git';
import { fail } from '../core/errors.js';

/** path relative to the queried folder -> "<mode> <blob sha1>", for tracked files unmodified in the work tree */
export type GitIndex = Map<string, string>;

/** A revision given to git: one that begins with '-' would be read as one of git's options (`--output=<file>`). */
function revision(ref: string): string {
  if (ref.startsWith('-')) fail('E_GIT_REF', `'${ref}' is not a revision: git would read it as an option`, { hint: 'name a branch, tag or commit' });
  return ref;
}

export class GitRepo {
  constructor(
    readonly dir: string,
    private git?: SimpleGit,
  ) {}

  /** simple-git, loaded on first use: a plan's own git reads (facts, changedSince) do without it. */
  private async client(): Promise<SimpleGit> {
    this.git ??= (await import('simple-git')).simpleGit({ baseDir: this.dir });
    return this.git;
  }

  /**
   * Git's own blob hashes for every tracked file under `dir` that is unmodified in the work tree
   * (one `ls-files` for the whole repository instead of reading every file), and the commit HEAD
   * is at. Three processes at once; both undefined outside git.
   */
  async facts(paths?: string[]): Promise<{ index?: GitIndex; head?: string }> {
    // Only these folders, when given: a plan of a few nodes asks git about their files alone.
    const only = paths ? ['--', ...paths] : [];
    try {
      // `status` refreshes stat info in memory, so files that were only touched do not count as
      // modified; its paths are relative to the top of the work tree, hence the prefix.
      const [staged, status, where] = await Promise.all([
        this.plain(['ls-files', '-s', '-z', ...only]),
        this.plain(['status', '--porcelain=v1', '-z', '--untracked-files=no', '--no-renames', ...only]),
        this.plain(['rev-parse', '--show-prefix', 'HEAD']).catch(async () => `${await this.plain(['rev-parse', '--show-prefix'])}\n`),
      ]);
      const [prefix = '', head = ''] = where.split('\n');
      return { index: parseLsFiles(staged, modifiedPaths(status, prefix.trim())), ...(head.trim() ? { head: head.trim() } : {}) };
    } catch {
      return {};
    }
  }

  /**
   * One git command's output, run directly: every plan runs these three, and simple-git took
   * 50-60 ms longer for the same three (measured: ~70-90 ms against ~15-30 ms on 2 cores, most of
   * it `status`), a third of a small chain's whole plan. Fixed options; paths after `--`, and
   * revisions only through revision().
   */
  private plain(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd: this.dir, encoding: 'utf8', maxBuffer: 1 << 30 }, (err, out) => (err ? reject(err) : resolve(out)));
    });
  }

  /**
   * Commits after `since` up to HEAD, oldest first, with the files each changed under `dir`: a
   * rename as both its paths, a merge as the files it changed against every parent (its own
   * edits). With an allowed-signers file, each commit's SSH signature is verified against it.
   */
  async commitsSince(since: string, allowedSigners?: string): Promise<Commit[]> {
    const config = allowedSigners ? ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowedSigners}`] : [];
    const format = `--format=%x1e%H%x1f%P%x1f%ae%x1f%an${allowedSigners ? '%x1f%G?%x1f%GS' : ''}`;
    const out = await (await this.client()).raw([...config, 'log', '--reverse', '--relative', '--no-renames', '--cc', '--name-only', format, `${revision(since)}..HEAD`, '--', '.']);
    return parseLog(out);
  }

  /** A file's content at a commit (path relative to `dir`), or undefined where it did not exist. */
  async show(commit: string, file: string): Promise<string | undefined> {
    try {
      return await (await this.client()).show([`${revision(commit)}:./${file}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * Files changed between a ref and the work tree (committed, staged or not, and new untracked
   * files), relative to `dir` and only inside it.
   */
  async changedSince(ref: string): Promise<string[]> {
    const [diff, untracked] = await Promise.all([
      this.plain(['diff', '--name-only', '-z', '--relative', revision(ref), '--', '.']),
      this.plain(['ls-files', '--others', '--exclude-standard', '-z', '--', '.']),
    ]);
    return [...new Set([...diff.split('\0'), ...untracked.split('\0')].filter(Boolean))].sort();
  }

  /**
   * Whether git ignores a path (which need not exist) of this work tree; undefined outside one.
   * `--non-matching -v` always answers, and shows a negated pattern (!) that un-ignores it.
   */
  async ignores(file: string): Promise<boolean | undefined> {
    try {
      const out = await (await this.client()).raw(['check-ignore', '-v', '--non-matching', '--', file]);
      const source = out.split('\t')[0] ?? '::';
      return source !== '::' && !source.split(':').slice(2).join(':').startsWith('!');
    } catch {
      return undefined;
    }
  }

  /** Whether any of these paths differs from HEAD. */
  async hasChanges(paths: string[]): Promise<boolean> {
    return (await (await this.client()).raw(['status', '--porcelain', '--', ...paths])).trim() !== '';
  }

  /** Commits these paths on a branch made (or reset) from HEAD, and stays on it; returns the commit. */
  async commitOnBranch(branch: string, paths: string[], message: string): Promise<string> {
    await (await this.client()).raw(['checkout', '-q', '-B', branch]);
    await (await this.client()).raw(['add', '--', ...paths]);
    await (await this.client()).raw(['commit', '-q', '-m', message, '--', ...paths]);
    return (await (await this.client()).revparse(['HEAD'])).trim();
  }

  /** Whether a ref names a commit. */
  async exists(ref: string): Promise<boolean> {
    try {
      // With --quiet, git reports a missing ref by exit code alone, which simple-git resolves as empty output.
      return (await (await this.client()).revparse(['--verify', '--quiet', `${revision(ref)}^{commit}`])).trim() !== '';
    } catch {
      return false;
    }
  }

  /** Where `dir` is inside its work tree: '' at the top, 'a/b/' below it; undefined outside git. */
  async prefix(): Promise<string | undefined> {
    try {
      return (await (await this.client()).raw(['rev-parse', '--show-prefix'])).trim();
    } catch {
      return undefined;
    }
  }
}

export interface Commit {
  sha: string;
  parent?: string;
  email: string;
  name: string;
  /** changed files, relative to the queried folder (only those inside it) */
  files: string[];
  /** the signer, when its signature was checked and is good (git's %G? is G): the principal of the allowed-signers file */
  signer?: string;
}

/** Parses `git log --format=%x1e%H%x1f%P%x1f%ae%x1f%an --name-only` (pure). */
export function parseLog(output: string): Commit[] {
  return output
    .split('\x1e')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const [head = '', ...files] = chunk.split('\n');
      const [sha = '', parents = '', email = '', name = '', status, signer] = head.split('\x1f');
      const parent = parents.split(' ')[0];
      return { sha, ...(parent ? { parent } : {}), email, name, files: files.filter((f) => f.trim() !== ''), ...(status === 'G' && signer ? { signer } : {}) };
    });
}

/**
 * Paths, relative to the queried folder, whose content differs from HEAD, in the index (staged) or
 * the work tree, from `git status --porcelain=v1 -z` ("XY path\0"; X is the index's column, Y the
 * work tree's). Their hashes are not taken from git, and a build from them claims no commit.
 */
export function modifiedPaths(status: string, prefix: string): Set<string> {
  const out = new Set<string>();
  for (const entry of status.split('\0')) {
    if (entry.length < 4 || (entry[0] === ' ' && entry[1] === ' ')) continue;
    const file = entry.slice(3);
    if (file.startsWith(prefix)) out.add(file.slice(prefix.length));
  }
  return out;
}

/** Parses `git ls-files -s -z` ("<mode> <sha> <stage>\t<path>\0"), leaving out the given paths and unmerged entries. */
export function parseLsFiles(output: string, leaveOut: ReadonlySet<string> = new Set()): GitIndex {
  const index: GitIndex = new Map();
  // One pass over the output without splitting it: a large index is tens of thousands of entries.
  for (let start = 0; start < output.length; ) {
    let end = output.indexOf('\0', start);
    if (end < 0) end = output.length;
    const tab = output.indexOf('\t', start);
    // "<mode> <sha> <stage>\t<file>": the entry is "<mode> <sha>", sliced from the output as it is
    // (no split, no new string per entry: at 200,000 files that is most of the index's memory).
    const space = output.lastIndexOf(' ', tab);
    if (tab > start && tab < end && space > start && output.slice(space + 1, tab) === '0') {
      const entry = output.slice(start, space);
      const file = output.slice(tab + 1, end);
      if (!entry.startsWith('160000 ') && entry.indexOf(' ') > 0 && !leaveOut.has(file)) index.set(file, entry);
    }
    start = end + 1;
  }
  return index;
}
