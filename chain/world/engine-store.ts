/**
 * What the local engine holds under the tags the planner looks up, at a cost that does not grow
 * with the engine's other images. The engine answers a list call (filtered by the chain's label)
 * by walking every image it holds; an exact lookup by tag costs the same whatever it holds. So:
 * a few lookups are made one by one; many are made by one list call while the engine holds few
 * images, else one by one again. Either way the planner sees the same entries for its tags.
 */
import PQueue from 'p-queue';
import type { BuildRecord, StoreObservations, TaggedImage } from '../core/inputs.js';
import { Labels, fingerprintTag, imageRepository, type ChainConfig } from '../core/model.js';
import { tagEntry, type EngineReader, type TagEntry } from '../adapters/engine.js';
import { ENGINE_SOCKETS } from '../adapters/engine-http.js';

/** Up to this many tags, exact lookups always win (a few ms): no need to ask how many images there are. */
export const FEW_LOOKUPS = 32;
/**
 * The list call wins while the engine holds at most this many images per tag looked up. Measured
 * on Engine 20.10 with 3,000-13,000 images (scripts/bench-engine-store): the list call costs
 * 0.06-0.1 ms an image, an exact lookup 0.25-0.7 ms a tag on a quiet engine and 2 ms or more
 * while the engine is busy deleting or loading images (its lookups queue behind those writes,
 * one list call queues once). 4 lost: at 13,656 images a 1,000-node plan took 4.9 s by lookups,
 * 2.6 s by one list.
 */
export const LIST_FACTOR = 10;

export type StoreRead = 'inspect' | 'list' | 'count-first';

/** How to read the tags: decided on how many there are and, when that is not enough, how many images the engine holds. */
export function storeRead(lookups: number, engineImages?: number): StoreRead {
  if (lookups <= FEW_LOOKUPS) return 'inspect';
  if (engineImages === undefined) return 'count-first';
  return engineImages <= LIST_FACTOR * lookups ? 'list' : 'inspect';
}

/**
 * Every tag the planner looks up in the local engine (core/current.ts, core/plan.ts): each
 * selected built node's fingerprint tag, and its version tag when it has a version.
 */
export function lookedUpTags(config: ChainConfig, selected: string[], fingerprints: Record<string, string>, records: Record<string, BuildRecord | undefined> = {}): string[] {
  const tags: string[] = [];
  for (const name of selected) {
    const node = config.nodes[name];
    const fingerprint = fingerprints[name];
    if (node?.kind !== 'built' || fingerprint === undefined) continue;
    tags.push(`${imageRepository(config, name)}:${fingerprintTag(fingerprint)}`);
    // A node that may be rebased: its last build's image is where a rebase starts from.
    const last = node.rebase ? records[name]?.fingerprint : undefined;
    if (last !== undefined && last !== fingerprint) tags.push(`${imageRepository(config, name)}:${fingerprintTag(last)}`);
    if (node.version !== undefined) tags.push(`${imageRepository(config, name)}:${node.version}`);
  }
  return [...new Set(tags)];
}

/**
 * The engine's image count, asked early when `built` nodes may need more lookups than a few (a
 * fingerprint and a version tag each); undefined when they cannot, or when the engine does not say.
 */
export function startImageCount(engine: EngineReader, built: number): Promise<number | undefined> | undefined {
  return 2 * built > FEW_LOOKUPS ? engine.imageCount().catch(() => undefined) : undefined;
}

/**
 * For a whole chain of `built` nodes, once chain.yaml is read: when one list call is how its tags
 * will be read (the engine holds few images for so many tags), starts it, so that it runs while the
 * folders are read; resolves, once the request is out, to its answer to come (undefined when the
 * tags will be looked up instead).
 */
export async function startListing(engine: EngineReader, chain: string, built: number, reach: Promise<StoreObservations>): Promise<{ listed: Promise<Map<string, TagEntry> | undefined> } | undefined> {
  const count = startImageCount(engine, built);
  if (!count || !(await reach).reachable || storeRead(2 * built, await count) !== 'list') return undefined;
  const listed = engine.imagesByTag(chain).catch(() => undefined);
  await turn();
  return { listed };
}

/** One turn of the event loop: requests just started are written before the synchronous work that follows. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The entries of the chain's tags the planner looks up, with custody; `how` forces a way (tests,
 * benchmarks); `count` is the engine's image count when it was asked already (startImageCount);
 * `listed`, the list call's answer when it was made already (startListing).
 */
export async function readEngineTags(engine: EngineReader, chain: string, tags: string[], attested: ReadonlySet<string>, how?: 'list' | 'inspect', count?: number, listed?: Map<string, TagEntry>): Promise<Map<string, TaggedImage>> {
  let way: StoreRead = how ?? (listed ? 'list' : storeRead(tags.length, count));
  if (way === 'count-first') way = storeRead(tags.length, await engine.imageCount());
  const found = way === 'list' ? (listed ?? (await engine.imagesByTag(chain))) : await inspectTags(engine, chain, tags);
  const local = new Map<string, TaggedImage>();
  for (const [tag, image] of found) local.set(tag, { ...image, attested: attested.has(image.id) });
  return local;
}

/** Exact lookups, a few at a time; an image counts only when it carries the chain's label, as the list call's filter requires. */
async function inspectTags(engine: EngineReader, chain: string, tags: string[]): Promise<Map<string, TagEntry>> {
  const queue = new PQueue({ concurrency: ENGINE_SOCKETS });
  const found = new Map<string, TagEntry>();
  await Promise.all(
    tags.map((tag) =>
      queue.add(async () => {
        const image = await engine.inspect(tag);
        if (!image || image.labels[Labels.chain] !== chain) return;
        found.set(tag, tagEntry(image.id, image.labels));
      }),
    ),
  );
  // In the order the tags were asked for, so that two reads of one engine give equal maps.
  return new Map(tags.filter((t) => found.has(t)).map((t) => [t, found.get(t) as TagEntry]));
}
