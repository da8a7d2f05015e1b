/**
 * Which fingerprint images `chain prune` keeps and which it prunes, per node and image store: a
 * pure function of each image's tags, creation time and use. No I/O here.
 */
import semver from 'semver';
import { STAGING_TAG } from './model.js';

/** An image of one node in one store (the registry or the engine), as prune sees it. */
export interface StoreImage {
  /** the registry's manifest digest, or the engine's image ID */
  id: string;
  /** when it was built: its config's `created` (RFC 3339) */
  created: string;
  /** its references in the node's repositories, `repository:tag` */
  tags: string[];
  /** its references in any other repository (engine only) */
  otherTags?: string[];
  /** a container, running or stopped, uses it (engine only) */
  inUse?: boolean;
}

/**
 * Why an image is kept: it is the one the node is current at; a release tag (a version, or any
 * tag chain does not give by itself) points to it; it is tagged outside the chain's repositories;
 * a container uses it; it is among the newest N of its node.
 */
export type KeepReason = 'current' | 'release' | 'other-tag' | 'in-use' | 'newest';

export interface KeptImage extends StoreImage {
  why: KeepReason[];
}

export interface PruneChoice {
  /** newest first */
  kept: KeptImage[];
  /** newest first */
  pruned: StoreImage[];
}

/** The tag part of `repository:tag` (a registry host's port is before the last slash). */
export function tagOf(reference: string): string {
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(colon + 1) : 'latest';
}

export const isFingerprintTag = (tag: string) => /^fp-[0-9a-f]{12}$/.test(tag);

/** A build-id tag: `<version>-<build id>` or `build-<build id>`, the id as exec/promote.ts's newBuildId makes it. */
export function isBuildIdTag(tag: string): boolean {
  const m = /^(.+)-\d{8}\.\d{6}\.[0-9a-f]{4}$/.exec(tag);
  return m !== null && (m[1] === 'build' || semver.valid(m[1] as string) === m[1]);
}

/**
 * The tags that make an image a release: every tag but the fingerprint and build-id tags. Every
 * promoted build has a build-id tag, so those protect nothing: they name the build and go with it.
 * Nor does the staging tag, which only carries a runner's push to its claim (exec/claim.ts).
 */
export const releaseTags = (tags: string[]) => tags.filter((t) => !isFingerprintTag(tagOf(t)) && !isBuildIdTag(tagOf(t)) && tagOf(t) !== STAGING_TAG);

/**
 * Keeps, of a node's images in one store that carry a fingerprint tag: the current one (tagged
 * `currentTag`), those a release tag points to, those tagged elsewhere or used by a container,
 * and the newest `keep` by creation time (the current one counts among them when it is one of
 * them). Prunes the rest. Images without a fingerprint tag are not chain's builds: left out.
 */
export function choosePrune(images: StoreImage[], currentTag: string, keep: number): PruneChoice {
  const candidates = images.filter((i) => i.tags.some((t) => isFingerprintTag(tagOf(t)))).sort(newestFirst);
  const out: PruneChoice = { kept: [], pruned: [] };
  candidates.forEach((image, rank) => {
    const why: KeepReason[] = [];
    if (image.tags.some((t) => tagOf(t) === currentTag)) why.push('current');
    if (releaseTags(image.tags).length > 0) why.push('release');
    if ((image.otherTags ?? []).length > 0) why.push('other-tag');
    if (image.inUse) why.push('in-use');
    if (rank < keep) why.push('newest');
    if (why.length > 0) out.kept.push({ ...image, why });
    else out.pruned.push(image);
  });
  return out;
}

/** Newest first by creation time, to the nanosecond; the ID breaks ties, so the order is stable. */
export function newestFirst(a: Pick<StoreImage, 'id' | 'created'>, b: Pick<StoreImage, 'id' | 'created'>): number {
  const [sa, fa] = instant(a.created);
  const [sb, fb] = instant(b.created);
  return sb - sa || (fb < fa ? -1 : fb > fa ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * An RFC 3339 time as [whole seconds in ms, fraction as 9 digits]: Go writes up to nine
 * fractional digits and drops trailing zeros, so neither Date.parse nor string order is exact.
 */
function instant(time: string): [number, string] {
  const m = /^([^.]*?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(time.trim());
  const seconds = Date.parse(`${m?.[1] ?? time}${m?.[3] ?? ''}`);
  return [Number.isNaN(seconds) ? 0 : seconds, (m?.[2] ?? '').padEnd(9, '0')];
}
