/**
 * `chain prune`: the fingerprint images each build leaves behind, in the chain's registry and in
 * the local engine. Reads both stores and the plan (for each node's current fingerprint), lets
 * core/prune.ts choose, and with `apply` deletes what it chose. Returns what it found and did.
 */
import path from 'node:path';
import { fail } from '../core/errors.js';
import { fingerprintTag, imageRepository, publishedRepository } from '../core/model.js';
import { choosePrune, tagOf, type KeptImage, type PruneChoice, type StoreImage } from '../core/prune.js';
import { engineImages, labelSources, removeImageTags, type EngineImage } from '../adapters/engine-prune.js';
import { acquireBuildLock } from '../adapters/lock.js';
import { parseRegistry, type RegistryClient } from '../adapters/registry.js';
import { deleteRegistryImage, registryImages } from '../adapters/registry-prune.js';
import { STATE_DIR } from '../adapters/state.js';
import type { DockerClient } from '../adapters/engine.js';
import type { AppDeps } from './deps.js';
import { planFile } from './plan-chain.js';

export interface PruneRequest {
  /** nodes named on the command line; none means every built node */
  targets: string[];
  /** how many of the newest fingerprint images of each node to keep, in each store */
  keep: number;
  /** delete; otherwise only say what would be deleted */
  apply: boolean;
}

export type Store = 'registry' | 'engine';

/** to-prune: a dry run's; the others say what --apply did (see engine-prune.ts's Removal). */
export type PruneOutcome = 'to-prune' | 'deleted' | 'untagged' | 'in-use' | 'gone';

export interface KeptStoreImage extends KeptImage {
  store: Store;
}

export interface PrunedImage extends StoreImage {
  store: Store;
  outcome: PruneOutcome;
  /** in-use: what the engine said */
  detail?: string;
}

export interface NodePrune {
  node: string;
  /** the fingerprint tag the node is current at */
  current: string;
  kept: KeptStoreImage[];
  pruned: PrunedImage[];
}

export interface PruneResult {
  chain: string;
  /** chain.yaml's registry:, when it has one */
  registry?: string;
  keep: number;
  applied: boolean;
  /** in plan order (parents first) */
  nodes: NodePrune[];
}

export async function pruneChain(deps: AppDeps, file: string, request: PruneRequest): Promise<PruneResult> {
  // A build adds images while it runs: --apply waits for it, and no build starts until it is done.
  const release = request.apply
    ? await acquireBuildLock(path.join(path.dirname(file), STATE_DIR), { noWait: false, onWait: () => deps.note('waiting for the chain build running on this chain to finish...'), ...(deps.signal ? { signal: deps.signal } : {}) })
    : undefined;
  try {
    const { plan, world, engine: planEngine } = await planFile(deps, file, { targets: request.targets, releases: 'none' });
    const { config } = world.loaded;
    const built = Object.values(config.nodes).filter((n) => n.kind === 'built').map((n) => n.name);
    for (const t of request.targets) if (!built.includes(t)) fail('E_UNKNOWN_NODE', `'${t}' is an external node: chain builds no images of it`, { hint: `built nodes: ${built.sort().join(', ')}` });
    const fingerprints = new Map(plan.nodes.filter((n) => n.kind === 'built').map((n) => [n.name, n.fingerprint]));
    await planEngine.ping();
    // prune lists and removes through dockerode itself (engine-prune.ts)
    const engine = await planEngine.client();
    const registry = config.registry ? parseRegistry(config.registry) : undefined;
    const client = registry ? deps.registry(registry.host) : undefined;
    const local = await engineImages(engine, config.name);
    const names = [...fingerprints.keys()].filter((n) => request.targets.length === 0 || request.targets.includes(n));
    const nodes: NodePrune[] = [];
    for (const node of names) {
      const current = fingerprintTag(fingerprints.get(node) as string);
      const repositories = [imageRepository(config, node), publishedRepository(config, node)].filter((r): r is string => r !== undefined);
      const remote = inStore('registry', client && registry ? choosePrune(await registryImages(client, repository(registry.prefix, node), config.name), current, request.keep) : undefined);
      const inEngine = inStore('engine', choosePrune(nodeImages(local, repositories), current, request.keep));
      nodes.push({ node, current, kept: [...remote.kept, ...inEngine.kept], pruned: [...remote.pruned, ...inEngine.pruned] });
    }
    if (request.apply) await applyPrune(nodes, engine, client && registry ? { client, prefix: registry.prefix } : undefined);
    return { chain: config.name, ...(config.registry ? { registry: config.registry } : {}), keep: request.keep, applied: request.apply, nodes };
  } finally {
    await release?.();
  }
}

function inStore(store: Store, choice: PruneChoice | undefined): Pick<NodePrune, 'kept' | 'pruned'> {
  return { kept: (choice?.kept ?? []).map((i) => ({ ...i, store })), pruned: (choice?.pruned ?? []).map((i) => ({ ...i, store, outcome: 'to-prune' })) };
}

const repository = (prefix: string, node: string) => [prefix, node].filter(Boolean).join('/');

/** The engine's images as one node's: their tags in its repositories, any other tag set apart. */
function nodeImages(images: EngineImage[], repositories: string[]): StoreImage[] {
  const own = (tag: string) => repositories.includes(tag.slice(0, -tagOf(tag).length - 1));
  return images
    .filter((i) => i.tags.some(own))
    .map((i) => ({ id: i.id, created: i.created, tags: i.tags.filter(own), otherTags: i.tags.filter((t) => !own(t)), inUse: i.inUse }));
}

/**
 * Deletes what was chosen, children before parents (the engine only untags an image that another
 * image is built on), the registry's first: one that refuses deletes stops the run before the
 * engine is touched. Each image's outcome is written into it.
 */
async function applyPrune(nodes: NodePrune[], engine: DockerClient, registry: { client: RegistryClient; prefix: string } | undefined): Promise<void> {
  for (const node of [...nodes].reverse()) {
    for (const image of node.pruned.filter((i) => i.store === 'registry')) {
      if (registry) image.outcome = await deleteRegistryImage(registry.client, repository(registry.prefix, node.node), image.id);
    }
  }
  // The unlabelled images kept images were made from stay: they are those images' build cache.
  const needed = await labelSources(engine, nodes.flatMap((n) => n.kept.filter((i) => i.store === 'engine').map((i) => i.id)));
  for (const node of [...nodes].reverse()) {
    for (const image of node.pruned.filter((i) => i.store === 'engine')) {
      const removal = await removeImageTags(engine, image.id, image.tags, needed);
      image.outcome = removal.outcome;
      if (removal.outcome === 'in-use') image.detail = removal.detail;
    }
  }
}
