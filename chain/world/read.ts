/**
 * Reads the world once, before anything is decided: context snapshots, external image digests,
 * the image store and the last build records. The planner then works on this data alone.
 */
import { ChainError, ExitCode } from '../core/errors.js';
import { computeFingerprints, sha256 } from '../core/fingerprint.js';
import { chainGraph, type ChainGraph } from '../core/graph.js';
import type { BuildRecord, NodeInputs, StoredImage } from '../core/inputs.js';
import { Labels, fingerprintTag, imageRepository } from '../core/model.js';
import { parseFamiliarName } from '@swimlane/docker-reference';
import { parseRegistry, type RegistryClient } from '../adapters/registry.js';
import { readLock, type Pin } from '../adapters/pins.js';
import { selectNodes } from '../core/plan.js';
import type { LoadedChain } from '../config/load.js';
import { snapshotContext, type ContextSnapshot } from '../adapters/context.js';
import type { DockerEngine } from '../adapters/docker.js';
import { GitRepo, type GitIndex } from '../adapters/git.js';
import type { StateStore } from '../adapters/state.js';

export interface World {
  loaded: LoadedChain;
  graph: ChainGraph;
  /** the nodes read: the targets and their ancestors */
  selected: string[];
  snapshots: Record<string, ContextSnapshot>;
  inputs: Record<string, NodeInputs>;
  fingerprints: Record<string, string>;
  images: Record<string, StoredImage | undefined>;
  records: Record<string, BuildRecord | undefined>;
  /** every tag of the chain's images in the store -> image ID */
  tags: Map<string, string>;
  storeReachable: boolean;
  /** why the store could not be reached, said once */
  storeProblem?: string;
  git: { head?: string };
}

export interface WorldDeps {
  engine: DockerEngine;
  state: StateStore;
  /** a registry client for a host (the chain's registry, or an external image's) */
  registry?: (host: string) => RegistryClient;
}

export interface ResolvedExternal {
  /** the image as the store has it: local ID and/or manifest digest */
  stored?: StoredImage;
  /** what identifies it: the manifest digest's sha256, else the image ID */
  digest?: string;
  kind: 'manifest' | 'image-id' | 'unresolved';
}

/** An external image as it is now: its registry's manifest digest, else the local engine's image ID. */
export async function resolveExternal(image: string, deps: WorldDeps): Promise<ResolvedExternal> {
  const found = await deps.engine.inspect(image);
  // An image from a registry resolves to its manifest digest through the registry's API.
  const remote = await resolveRemote(image, deps);
  const manifest = remote ?? found?.digest;
  const stored = found || remote ? { ...(found && (!remote || found.repoDigests.includes(remote)) ? { id: found.id } : {}), ...(manifest ? { digest: manifest } : {}) } : undefined;
  const digest = manifest?.split('@')[1] ?? found?.id;
  return { ...(stored ? { stored } : {}), ...(digest ? { digest } : {}), kind: manifest ? 'manifest' : found ? 'image-id' : 'unresolved' };
}

/** An external image as chain.lock pins it (found locally when the engine has it). */
async function fromPin(pin: Pin, deps: WorldDeps, storeReachable: boolean): Promise<ResolvedExternal> {
  const local = storeReachable ? await deps.engine.inspect(pin.digest) : undefined;
  const digest = pin.kind === 'manifest' ? (pin.digest.split('@')[1] as string) : pin.digest;
  if (pin.kind === 'manifest') return { stored: { ...(local ? { id: local.id } : {}), digest: pin.digest }, digest, kind: 'manifest' };
  return { ...(local ? { stored: { id: local.id } } : {}), digest, kind: 'image-id' };
}

/** The manifest digest (repo@sha256:...) of an external image that names a registry host. */
async function resolveRemote(image: string, deps: WorldDeps): Promise<string | undefined> {
  const ref = parseFamiliarName(image);
  if (!deps.registry || ref.domain === 'docker.io' || !ref.repository) return undefined;
  if (ref.digest) return `${ref.domain}/${ref.repository}@${ref.digest}`;
  const digest = await deps.registry(ref.domain as string).manifestDigest(ref.repository, ref.tag ?? 'latest');
  return digest ? `${ref.domain}/${ref.repository}@${digest}` : undefined;
}

/**
 * Starts reading git (a subprocess) at once, so that it runs while the chain is being loaded.
 * The returned promise never rejects: outside git there is simply no index.
 */
export function startGitRead(root: string): Promise<GitFacts> {
  const repo = new GitRepo(root);
  return Promise.all([repo.index(), repo.head()]).then(([index, head]) => ({ ...(index ? { index } : {}), ...(head ? { head } : {}) }));
}

export interface GitFacts {
  index?: GitIndex;
  head?: string;
}

export async function readWorld(loaded: LoadedChain, targets: string[], deps: WorldDeps, gitRead?: Promise<GitFacts>, touched?: Iterable<string>): Promise<World> {
  const { config } = loaded;
  const graph = chainGraph(config);
  const selected = selectNodes(graph, targets, touched);
  const { index, head } = await (gitRead ?? startGitRead(config.root));
  const lock = readLock(config.root);

  let storeReachable = true;
  let storeProblem: string | undefined;
  try {
    await deps.engine.ping();
  } catch (err) {
    if (!(err instanceof ChainError) || err.exitCode !== ExitCode.environment) throw err;
    storeReachable = false;
    storeProblem = err.problems[0]?.message;
  }

  const snapshots: Record<string, ContextSnapshot> = {};
  const inputs: Record<string, NodeInputs> = {};
  const images: Record<string, StoredImage | undefined> = {};
  for (const name of selected) {
    const node = config.nodes[name];
    if (node?.kind === 'built') {
      const snapshot = snapshotContext(config.root, node.path, node.dockerfile, index);
      snapshots[name] = snapshot;
      inputs[name] = {
        kind: 'built',
        files: snapshot.files,
        dockerfile: node.dockerfile,
        args: Object.fromEntries(Object.entries(node.args).map(([k, v]) => [k, sha256(v)])),
        ...(node.version !== undefined ? { version: node.version } : {}),
      };
    } else if (node?.kind === 'external') {
      // Pinned in chain.lock: the pin decides, whatever the tag points to now.
      const pin = lock?.externals[name];
      const resolved = pin && pin.image === node.image ? await fromPin(pin, deps, storeReachable) : storeReachable ? await resolveExternal(node.image, deps) : { kind: 'unresolved' as const };
      if (resolved.stored) images[name] = resolved.stored;
      inputs[name] = { kind: 'external', image: node.image, ...(resolved.digest ? { digest: resolved.digest } : {}), digestKind: resolved.kind };
    }
  }

  const fingerprints = computeFingerprints(graph, inputs);
  const stored = storeReachable ? await deps.engine.imagesByTag(config.name) : new Map<string, { id: string; fingerprint?: string }>();
  const records: Record<string, BuildRecord | undefined> = {};
  const recorded = deps.state.recordedNodes();
  const built = selected.filter((name) => config.nodes[name]?.kind === 'built');
  for (const name of built) {
    if (recorded.has(name)) records[name] = deps.state.readRecord(name);
    const fp = fingerprints[name] as string;
    const image = stored.get(`${imageRepository(config, name)}:${fingerprintTag(fp)}`);
    // The tag holds 12 hex digits of the fingerprint; the label must carry all of it.
    if (image?.fingerprint === fp) images[name] = { id: image.id };
  }
  // With a registry, the registry decides freshness: a runner with an empty engine plans the same.
  if (config.registry && deps.registry) {
    const { host, prefix } = parseRegistry(config.registry);
    const registry = deps.registry(host);
    try {
      await Promise.all(
        built.map(async (name) => {
          const local = images[name];
          delete images[name];
          const fp = fingerprints[name] as string;
          const repo = [prefix, name].filter(Boolean).join('/');
          const tag = fingerprintTag(fp);
          if (!(await registry.tags(repo)).includes(tag)) return;
          if ((await registry.labels(repo, tag))?.[Labels.fingerprint] !== fp) return;
          const digest = await registry.manifestDigest(repo, tag);
          if (digest) images[name] = { ...local, digest: `${host}/${repo}@${digest}` };
        }),
      );
    } catch (err) {
      if (!(err instanceof ChainError)) throw err;
      for (const name of built) delete images[name];
      storeReachable = false;
      storeProblem = err.problems[0]?.message;
    }
  }

  const tags = new Map([...stored].map(([tag, image]) => [tag, image.id]));
  return { loaded, graph, selected, snapshots, inputs, fingerprints, images, records, tags, storeReachable, ...(storeProblem ? { storeProblem } : {}), git: head ? { head } : {} };
}
