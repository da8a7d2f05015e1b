/**
 * Reads the world once, before anything is decided: context snapshots, external image digests,
 * the image store and the last build records. The planner then works on this data alone.
 */
import { ChainError, ExitCode } from '../core/errors.js';
import { computeFingerprints, sha256 } from '../core/fingerprint.js';
import { chainGraph, type ChainGraph } from '../core/graph.js';
import type { BuildRecord, NodeInputs, StoredImage } from '../core/inputs.js';
import { fingerprintTag, imageRepository } from '../core/model.js';
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

export async function readWorld(loaded: LoadedChain, targets: string[], deps: WorldDeps, gitRead?: Promise<GitFacts>): Promise<World> {
  const { config } = loaded;
  const graph = chainGraph(config);
  const selected = selectNodes(graph, targets);
  const { index, head } = await (gitRead ?? startGitRead(config.root));

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
      const found = storeReachable ? await deps.engine.inspect(node.image) : undefined;
      if (found) images[name] = { id: found.id, ...(found.digest ? { digest: found.digest } : {}) };
      const digest = found?.digest?.split('@')[1] ?? found?.id;
      inputs[name] = { kind: 'external', image: node.image, ...(digest ? { digest } : {}), digestKind: found?.digest ? 'manifest' : found ? 'image-id' : 'unresolved' };
    }
  }

  const fingerprints = computeFingerprints(graph, inputs);
  const stored = storeReachable ? await deps.engine.imagesByTag(config.name) : new Map<string, { id: string; fingerprint?: string }>();
  const records: Record<string, BuildRecord | undefined> = {};
  const recorded = deps.state.recordedNodes();
  for (const name of selected) {
    const node = config.nodes[name];
    if (node?.kind !== 'built') continue;
    if (recorded.has(name)) records[name] = deps.state.readRecord(name);
    const fp = fingerprints[name] as string;
    const image = stored.get(`${imageRepository(config, name)}:${fingerprintTag(fp)}`);
    // The tag holds 12 hex digits of the fingerprint; the label must carry all of it.
    if (image?.fingerprint === fp) images[name] = { id: image.id };
  }

  const tags = new Map([...stored].map(([tag, image]) => [tag, image.id]));
  return { loaded, graph, selected, snapshots, inputs, fingerprints, images, records, tags, storeReachable, ...(storeProblem ? { storeProblem } : {}), git: head ? { head } : {} };
}
