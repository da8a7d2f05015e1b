/**
 * What chain learned about images in a registry, remembered across runs by manifest digest: the
 * fingerprint label an image's config carries, and whether its attestation was found beside it.
 * Both stay true of a digest: a digest names its content (so its labels), and an attestation is
 * only ever added beside an image (prune deletes the image and its attestation together). What a
 * tag points to is never remembered: it moves (a forced rebuild, a claim taken over) and is read
 * every time. So a plan of a chain that is up to date in the registry asks one request per node.
 *
 * The file lives in the state folder, when there is one (a fresh checkout's plan stays
 * read-only); a missing, unreadable, foreign or malformed one is simply not used, and one that
 * cannot be written is not an error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRegularText } from './files.js';
import { STATE_DIR, writeFileAtomic } from './state.js';

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

interface FactsFile {
  format: number;
  /** host/repository@sha256:... -> facts */
  entries: Record<string, DigestFacts>;
}

export class RegistryFacts {
  private remembered: Map<string, DigestFacts> | undefined;
  private readonly used = new Map<string, DigestFacts>();
  private learned = 0;

  constructor(private readonly file: string | undefined) {}

  /** The facts of the chain at `root`: kept only where its state folder exists already; in memory only elsewhere. */
  static open(root: string): RegistryFacts {
    return new RegistryFacts(existsSync(path.join(root, STATE_DIR)) ? path.join(root, STATE_DIR, 'cache', 'registry.json') : undefined);
  }

  private get known(): Map<string, DigestFacts> {
    this.remembered ??= new Map(this.file ? Object.entries(readEntries(this.file)) : []);
    return this.remembered;
  }

  /** What is known of `host/repository@digest`, or undefined. */
  get(image: string): DigestFacts | undefined {
    const facts = this.used.get(image) ?? this.known.get(image);
    if (facts) this.used.set(image, facts);
    return facts;
  }

  /** Remembers what was read of an image; an attestation once seen stays seen. */
  set(image: string, facts: DigestFacts): void {
    const before = this.get(image);
    const next = { ...(facts.fingerprint !== undefined ? { fingerprint: facts.fingerprint } : {}), attested: facts.attested || (before?.attested ?? false) };
    if (before && before.fingerprint === next.fingerprint && before.attested === next.attested) return;
    this.used.set(image, next);
    this.learned += 1;
  }

  /** Writes what this run learned, with the entries it used and, up to a bound, the older ones. */
  save(): void {
    if (this.learned === 0 || !this.file) return;
    const entries: Record<string, DigestFacts> = Object.fromEntries(this.used);
    let kept = 0;
    for (const [key, facts] of this.known) {
      if (kept >= KEEP_FACTS) break;
      if (entries[key] === undefined) {
        entries[key] = facts;
        kept += 1;
      }
    }
    const body: FactsFile = { format: FORMAT, entries };
    try {
      writeFileAtomic(this.file, JSON.stringify(body));
      this.learned = 0;
    } catch {
      // A read-only checkout plans as well, only asking more of the registry.
    }
  }
}

function readEntries(file: string): Record<string, DigestFacts> {
  try {
    const data = JSON.parse(readRegularText(file)) as Partial<FactsFile> | null;
    if (data?.format !== FORMAT || typeof data.entries !== 'object' || data.entries === null || Array.isArray(data.entries)) return {};
    return Object.entries(data.entries).every(([key, facts]) => /^[^@\s]+@sha256:[0-9a-f]{64}$/.test(key) && wellFormed(facts)) ? data.entries : {};
  } catch {
    return {};
  }
}

function wellFormed(facts: unknown): boolean {
  const f = facts as Partial<DigestFacts> | null;
  return typeof f === 'object' && f !== null && !Array.isArray(f) && typeof f.attested === 'boolean' && (f.fingerprint === undefined || typeof f.fingerprint === 'string') && Object.keys(f).every((k) => k === 'fingerprint' || k === 'attested');
}
