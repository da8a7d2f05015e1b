/**
 * Dockerfile readings remembered across runs, by the text's hash: a chain of thousands of nodes
 * whose Dockerfiles did not change is loaded without parsing them again (parsing is most of what
 * reading a Dockerfile costs in a short-lived process). The file lives in the state folder, when
 * there is one (a fresh checkout's plan and lint stay read-only); a
 * missing, unreadable, foreign or malformed one is simply not used, and a cache that cannot be
 * written is not an error. What is remembered is exactly what readDockerfile returned; a build
 * parses the text again and refuses a reading that differs (exec/build-node.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readDockerfile, type DockerfileInfo, type DockerfileInfos } from '../core/dockerfile.js';
import { readRegularText } from './files.js';
import { STATE_DIR, writeFileAtomic } from './state.js';

/** Bump when readDockerfile's output changes; the parser's own version is part of the key too. */
const FORMAT = 1;
/** Entries kept beyond those this run used: enough for a chain's older Dockerfiles, bounded. */
const KEEP = 20_000;

interface CacheFile {
  format: number;
  parser: string;
  entries: Record<string, DockerfileInfo>;
}

export class DockerfileCache implements DockerfileInfos {
  /** read on the first reading asked for: a plan of a few nodes of a large chain may ask none */
  private remembered: Map<string, DockerfileInfo> | undefined;
  private readonly used = new Map<string, DockerfileInfo>();
  private learned = 0;

  private constructor(
    private readonly file: string,
    private readonly parser: string,
  ) {}

  private get known(): Map<string, DockerfileInfo> {
    this.remembered ??= new Map(Object.entries(readEntries(this.file, this.parser)));
    return this.remembered;
  }

  /**
   * The cache of the chain at `root`: only where its state folder exists already (chain has built
   * there), so that a plan or a lint of a fresh checkout writes nothing; undefined there, and when
   * the parser's version cannot be told.
   */
  static open(root: string): DockerfileCache | undefined {
    const parser = parserVersion();
    return parser && existsSync(path.join(root, STATE_DIR)) ? new DockerfileCache(path.join(root, STATE_DIR, 'cache', 'dockerfiles.json'), parser) : undefined;
  }

  read(text: string): DockerfileInfo {
    const key = createHash('sha1').update(text).digest('base64url');
    const info = this.used.get(key) ?? this.known.get(key);
    if (info) {
      this.used.set(key, info);
      return info;
    }
    const read = readDockerfile(text);
    this.used.set(key, read);
    this.learned += 1;
    return read;
  }

  /** Writes what this run learned, with the entries it used and, up to a bound, the older ones. */
  save(): void {
    if (this.learned === 0) return;
    const entries: Record<string, DockerfileInfo> = Object.fromEntries(this.used);
    let kept = 0;
    for (const [key, info] of this.known) {
      if (kept >= KEEP) break;
      if (entries[key] === undefined) entries[key] = info;
      kept += 1;
    }
    const body: CacheFile = { format: FORMAT, parser: this.parser, entries };
    try {
      writeFileAtomic(this.file, JSON.stringify(body));
      this.learned = 0;
    } catch {
      // A read-only checkout plans as well, only without the cache.
    }
  }
}

function readEntries(file: string, parser: string): Record<string, DockerfileInfo> {
  try {
    const data = JSON.parse(readRegularText(file)) as Partial<CacheFile> | null;
    if (data?.format !== FORMAT || data.parser !== parser || typeof data.entries !== 'object' || data.entries === null) return {};
    return Object.values(data.entries).every(wellFormed) ? data.entries : {};
  } catch {
    return {};
  }
}

function wellFormed(info: unknown): boolean {
  const i = info as Partial<DockerfileInfo> | null;
  return (
    typeof i === 'object' &&
    i !== null &&
    Array.isArray(i.stages) &&
    Array.isArray(i.images) &&
    Array.isArray(i.instructions) &&
    typeof i.stageCount === 'number' &&
    i.images.every((u) => typeof u?.ref === 'string' && Number.isInteger(u.start) && Number.isInteger(u.end) && Number.isInteger(u.line) && Number.isInteger(u.col)) &&
    i.instructions.every((x) => typeof x?.keyword === 'string' && typeof x.args === 'string' && Number.isInteger(x.line) && Number.isInteger(x.col) && Number.isInteger(x.stage))
  );
}

function parserVersion(): string | undefined {
  try {
    const { version } = createRequire(import.meta.url)('dockerfile-ast/package.json') as { version?: string };
    return version ? `dockerfile-ast@${version}` : undefined;
  } catch {
    return undefined;
  }
}
