/**
 * Dockerfile readings remembered across runs, by the text's hash: a chain of thousands of nodes
 * whose Dockerfiles did not change is loaded without parsing them again (parsing is most of what
 * reading a Dockerfile costs in a short-lived process). The file is `.chain/cache/dockerfiles.json`,
 * kept as adapters/state-cache.ts keeps such files. What is remembered is exactly what
 * readDockerfile returned; a build parses the text again and refuses a reading that differs
 * (app/build-chain.ts).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readDockerfile, type DockerfileInfo, type DockerfileInfos } from '../core/dockerfile.js';
import { StateCache, stateCacheFile } from './state-cache.js';

/** Bump when readDockerfile's output changes; the parser's own version is part of the key too. */
const FORMAT = 1;
/** Entries kept beyond those this run used: enough for a chain's older Dockerfiles, bounded. */
const KEEP = 20_000;

export class DockerfileCache implements DockerfileInfos {
  private constructor(private readonly cache: StateCache<DockerfileInfo>) {}

  /**
   * The cache of the chain at `root`: only where its state folder exists already (chain has built
   * there), so that a plan or a lint of a fresh checkout writes nothing; undefined there, and when
   * the parser's version cannot be told.
   */
  static open(root: string): DockerfileCache | undefined {
    const parser = parserVersion();
    const file = stateCacheFile(root, 'dockerfiles.json');
    return parser && file ? new DockerfileCache(new StateCache(file, { format: FORMAT, parser }, (_key, info) => wellFormed(info), KEEP)) : undefined;
  }

  read(text: string): DockerfileInfo {
    const key = createHash('sha1').update(text).digest('base64url');
    const known = this.cache.get(key);
    if (known) return known;
    const info = readDockerfile(text);
    this.cache.set(key, info);
    return info;
  }

  /** Writes what this run learned (adapters/state-cache.ts). */
  save(): void {
    this.cache.save();
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
