/**
 * Reads the world once, before anything is decided: context snapshots, external image digests,
 * what the image stores hold under each node's fingerprint tag, and the last build records. It
 * observes only: the planner then decides on this data alone which image satisfies a node.
 */
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { ChainError, ExitCode, type Problem } from '../core/errors.js';
import { computeFingerprints, sha256 } from '../core/fingerprint.js';
import type { ChainGraph } from '../core/graph.js';
import type { BuildRecord, NodeInputs, Observations, StoredImage, StoreObservations } from '../core/inputs.js';
import { builderOf } from '../core/model.js';
import type { LoadedChain } from '../config/resolve.js';
import { lockNodes, readLock } from '../config/lock.js';
import type { RegistryClient } from '../adapters/registry.js';
import { RegistryFacts } from '../adapters/registry-facts.js';
import { snapshotContext, type ContextSnapshot } from '../adapters/context.js';
import type { EngineReader, TagEntry } from '../adapters/engine.js';
import type { GitIndex, GitRepo } from '../adapters/git.js';
import type { StateStore } from '../adapters/state.js';
import type { ProvenanceStore } from '../adapters/provenance-store.js';
import { lookedUpTags, readEngineTags, startImageCount, turn } from './engine-store.js';

export { turn } from './engine-store.js';
import { fromPin, resolveExternal, type ResolvedExternal } from './externals.js';
import { localPrevious, rebaseCandidates } from './previous.js';
import { observeRegistry, type RegistryAsk } from './registry-store.js';

export interface World extends Observations {
  loaded: LoadedChain;
  graph: ChainGraph;
  /** the nodes read: the targets and their ancestors */
  selected: string[];
  snapshots: Record<string, ContextSnapshot>;
  /** the commit HEAD is at, when the chain is in git */
  gitHead?: string;
  /** what was accepted but is worth saying once (a stale pin) */
  notes: string[];
}

export interface WorldDeps {
  engine: EngineReader;
  state: StateStore;
  /** the provenance records kept here: which images have custody */
  provenance: ProvenanceStore;
  /** a registry client for a host (the chain's registry, or an external image's) */
  registry: (host: string) => RegistryClient;
  /** how to read the engine's tags (engine-store.ts): chosen by counts unless given (tests, benchmarks) */
  storeRead?: 'list' | 'inspect';
  /** what is known for good of the registry's images (adapters/registry-facts.ts); none remembered when not given */
  facts?: RegistryFacts;
  /** what the plan asks of the registry beyond the fingerprint tags (registry-store.ts) */
  ask?: RegistryAsk;
}

export interface GitFacts {
  index?: GitIndex;
  head?: string;
}

/**
 * Starts reading git (subprocesses) at once, so that it runs while the chain is being loaded.
 * The returned promise never rejects: outside git there is simply no index. With `paths` (folders
 * relative to the repository's folder), only the files under them are indexed.
 */
export function startGitRead(repo: GitRepo, paths?: string[]): Promise<GitFacts> {
  return repo.facts(paths);
}

/** What the world waits on outside this process, started early so that it runs while the chain loads. */
export interface WorldReads {
  git: Promise<GitFacts>;
  /** whether the engine answers (startEngineRead); asked by readWorld when not given */
  store?: Promise<StoreObservations>;
  /** the chain's images by one list call, when it was started early (engine-store.ts startListing) */
  listed?: Promise<Map<string, TagEntry> | undefined>;
}

/** Starts asking whether the engine answers; never rejects on an unreachable engine, which is an observation. */
export function startEngineRead(engine: EngineReader): Promise<StoreObservations> {
  const store = engineStore(engine);
  store.catch(() => undefined); // awaited later; until then a failure must not count as unhandled
  return store;
}

/** Reads what the planner needs about the selected nodes (the targets and their ancestors). */
export async function readWorld(loaded: LoadedChain, graph: ChainGraph, selected: string[], deps: WorldDeps, reads: WorldReads): Promise<World> {
  const { config } = loaded;
  const storeRead = reads.store ?? startEngineRead(deps.engine);
  const { index, head } = await reads.git;
  const store = await storeRead;
  const notes: string[] = [];
  const lock = readLock(config.root, lockNodes(config), notes);
  const built = selected.filter((name) => config.nodes[name]?.kind === 'built');
  // Asked now, answered while the folders are walked: the engine's image count (when the tags to
  // look up may be many) and the external images.
  const count = store.reachable && deps.storeRead === undefined && !reads.listed ? startImageCount(deps.engine, built.length) : undefined;
  const externalReads = selected.flatMap((name) => {
    const node = config.nodes[name];
    if (node?.kind !== 'external') return [];
    // Pinned in chain.lock: the pin decides, whatever the tag points to now.
    const pin = lock?.externals[name];
    const resolved = pin && pin.image === node.image ? fromPin(pin, deps.engine, store.reachable) : store.reachable ? resolveExternal(node.image, deps) : Promise.resolve<ResolvedExternal>({ kind: 'unresolved' });
    resolved.catch(() => undefined);
    return [{ name, image: node.image, resolved }];
  });
  if (count || externalReads.length > 0) await turn();

  const snapshots: Record<string, ContextSnapshot> = {};
  const inputs: Record<string, NodeInputs> = {};
  const externals: Record<string, StoredImage> = {};
  const problems: Problem[] = [];
  for (const name of built) {
    const node = config.nodes[name];
    if (node?.kind !== 'built') continue;
    // Every context's problems (an unreadable file, a bad .dockerignore pattern) are told together.
    const snapshot = snapshotOrProblems(config.root, node.path, node.dockerfile, index, problems, loaded.listings.known(path.join(config.root, node.path)));
    if (!snapshot) continue;
    snapshots[name] = snapshot;
    inputs[name] = {
      kind: 'built',
      files: snapshot.files,
      dockerfile: node.dockerfile,
      args: Object.fromEntries(Object.entries(node.args).map(([k, v]) => [k, sha256(v)])),
      ...(node.version !== undefined ? { version: node.version } : {}),
      ...(builderOf(config, node) === 'buildkit' ? { builder: 'buildkit' as const } : {}),
      ...(node.secrets ? { secrets: Object.keys(node.secrets).sort() } : {}),
    };
  }
  for (const { name, image, resolved } of externalReads) {
    const { stored, digest, kind } = await resolved;
    if (stored) externals[name] = stored;
    inputs[name] = { kind: 'external', image, ...(digest ? { digest } : {}), digestKind: kind };
  }

  if (problems.length > 0) throw new ChainError(problems);
  const fingerprints = computeFingerprints(graph, inputs);
  const recorded = deps.state.recordedNodes();
  const records = lazyRecords(built.filter((name) => recorded.has(name)), (name) => deps.state.readRecord(name));
  if (store.reachable) store.local = await readEngineTags(deps.engine, config.name, lookedUpTags(config, selected, fingerprints, records), deps.provenance.subjects(), deps.storeRead, await count, await reads.listed);
  const candidates = rebaseCandidates(config, built, inputs, fingerprints, store, records);
  const previous = config.registry ? {} : localPrevious(config, candidates, store);
  if (config.registry) {
    const at = { config, graph, built, fingerprints, client: deps.registry, facts: deps.facts ?? new RegistryFacts(undefined), candidates };
    await observeRegistry(at, store, previous, deps.ask);
  }
  return { loaded, graph, selected, snapshots, inputs, fingerprints, externals, store, records, previous, notes, ...(head ? { gitHead: head } : {}) };
}

/**
 * The nodes' last build records, each read (and its seal checked) when first asked for: the
 * planner asks only about nodes it must explain (not current) and nodes that may be rebased, so a
 * plan of a built chain reads none of the others' records.
 */
function lazyRecords(names: string[], read: (name: string) => BuildRecord | undefined): Record<string, BuildRecord | undefined> {
  const records: Record<string, BuildRecord | undefined> = {};
  for (const name of names) {
    Object.defineProperty(records, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        const record = read(name);
        Object.defineProperty(records, name, { value: record, enumerable: true, writable: false, configurable: false });
        return record;
      },
    });
  }
  return records;
}

/** Whether the local engine answers (an unreachable store is said once); its tags are read once the fingerprints are known. */
async function engineStore(engine: EngineReader): Promise<StoreObservations> {
  try {
    await engine.ping();
  } catch (err) {
    if (!(err instanceof ChainError) || err.exitCode !== ExitCode.environment) throw err;
    return { reachable: false, local: new Map(), ...(err.problems[0] ? { problem: err.problems[0].message } : {}) };
  }
  return { reachable: true, local: new Map() };
}

function snapshotOrProblems(root: string, context: string, dockerfile: string, index: GitIndex | undefined, problems: Problem[], listed: Dirent[] | undefined): ContextSnapshot | undefined {
  try {
    return snapshotContext(root, context, dockerfile, index, listed);
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}
