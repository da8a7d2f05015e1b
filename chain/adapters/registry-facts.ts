/**
 * What chain learned about images in a registry, remembered across runs by manifest digest: the
 * fingerprint label an image's config carries, and whether its attestation was found beside it.
 * Both stay true of a digest: a digest names its content (so its labels), and an attestation is
 * only ever added beside an image (prune deletes the image and its attestation together). What a
 * tag points to is never remembered: it moves (a forced rebuild, a claim taken over) and is read
 * every time. So a plan of a chain that is up to date in the registry asks one request per node.
 *
 * The file is `.chain/cache/registry.json`, kept as adapters/state-cache.ts keeps such files.
 */
import { StateCache, stateCacheFile } from './state-cache.js';

/** Bump when what an entry means changes. */
const FORMAT = 1;
/** Entries kept beyond those this run used: a chain's older images, bounded. */
export const KEEP_FACTS = 20_000;

/** What is known of one manifest digest in one repository. */
export interface DigestFacts {
  /** the dev.chain.fingerprint label of its config; absent when it carries none */
  fingerprint?: string;
  /** its attestation was seen beside it */
  attested: boolean;
}

export class RegistryFacts {
  private readonly cache: StateCache<DigestFacts>;

  /** `file`: where the facts live (host/repository@sha256:... -> facts); none: in memory only. */
  constructor(file: string | undefined) {
    this.cache = new StateCache(file, { format: FORMAT }, (key, facts) => /^[^@\s]+@sha256:[0-9a-f]{64}$/.test(key) && wellFormed(facts), KEEP_FACTS);
  }

  /** The facts of the chain at `root`: kept only where its state folder exists already; in memory only elsewhere. */
  static open(root: string): RegistryFacts {
    return new RegistryFacts(stateCacheFile(root, 'registry.json'));
  }

  /** What is known of `host/repository@digest`, or undefined. */
  get(image: string): DigestFacts | undefined {
    return this.cache.get(image);
  }

  /** Remembers what was read of an image; an attestation once seen stays seen. */
  set(image: string, facts: DigestFacts): void {
    const before = this.get(image);
    const next = { ...(facts.fingerprint !== undefined ? { fingerprint: facts.fingerprint } : {}), attested: facts.attested || (before?.attested ?? false) };
    if (before && before.fingerprint === next.fingerprint && before.attested === next.attested) return;
    this.cache.set(image, next);
  }

  /** Writes what this run learned (adapters/state-cache.ts). */
  save(): void {
    this.cache.save();
  }
}

function wellFormed(facts: unknown): boolean {
  const f = facts as Partial<DigestFacts> | null;
  return typeof f === 'object' && f !== null && !Array.isArray(f) && typeof f.attested === 'boolean' && (f.fingerprint === undefined || typeof f.fingerprint === 'string') && Object.keys(f).every((k) => k === 'fingerprint' || k === 'attested');
}
