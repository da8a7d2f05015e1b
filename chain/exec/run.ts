/**
 * Carries a plan out: builds the nodes marked `build` in topological order, each on exactly the
 * parent images this run built or found. A failed node blocks only its descendants.
 */
import { ChainError } from '../core/errors.js';
import type { StoredImage } from '../core/inputs.js';
import type { Plan, PlanNode } from '../core/plan.js';
import type { DockerEngine } from '../adapters/docker.js';
import { BuildFailedError } from '../adapters/docker.js';
import type { StateStore } from '../adapters/state.js';
import type { World } from '../world/read.js';
import { buildNode } from './build-node.js';
import { countStatuses, type BuildObserver, type BuildSummary, type NodeResult } from './events.js';

export interface ExecuteOptions {
  plan: Plan;
  world: World;
  engine: DockerEngine;
  state: StateStore;
  observer: BuildObserver;
}

export async function executePlan(opts: ExecuteOptions): Promise<BuildSummary> {
  const { plan, world, observer } = opts;
  const started = Date.now();
  const results = new Map<string, NodeResult>();
  const images = new Map<string, StoredImage>();
  const finish = (result: NodeResult) => {
    results.set(result.name, result);
    observer.onEvent({ type: 'finished', node: result.name, result });
  };

  for (const node of plan.nodes) if (node.action === 'build') observer.onEvent({ type: 'queued', node: node.name });

  for (const planned of plan.nodes) {
    const node = world.loaded.config.nodes[planned.name];
    if (!node) throw new Error(`execute: unknown node ${planned.name}`);
    if (planned.action === 'skip') {
      if (planned.image) images.set(planned.name, planned.image);
      if (node.kind === 'built') finish({ name: node.name, owner: node.owner, status: 'up-to-date', tags: [], durationMs: 0, ...(planned.image ? { imageId: planned.image.id } : {}) });
      continue;
    }
    if (node.kind !== 'built') continue;

    const failedParent = world.graph.parents(node.name).map((p) => results.get(p)).find((r) => r && (r.status === 'failed' || r.status === 'blocked'));
    if (failedParent) {
      finish({ name: node.name, owner: node.owner, status: 'blocked', tags: [], durationMs: 0, blockedBy: failedParent.blockedBy ?? failedParent.name });
      continue;
    }
    const parents = parentImages(planned, world, images);
    const t0 = Date.now();
    observer.onEvent({ type: 'started', node: node.name });
    try {
      if ('missing' in parents) throw new ChainError([{ code: 'E_BASE_MISSING', message: `${parents.missing} is not in the image store`, hint: 'make or pull the base image first (scripts/setup makes the example vendor base)' }], 3);
      const built = await buildNode({
        node,
        plan: planned,
        parents: parents.images,
        world,
        engine: opts.engine,
        state: opts.state,
        onLine: (line) => observer.onEvent({ type: 'log', node: node.name, line }),
      });
      images.set(node.name, { id: built.imageId });
      finish({ name: node.name, owner: node.owner, status: 'built', imageId: built.imageId, tags: built.tags, durationMs: Date.now() - t0, log: built.log });
    } catch (err) {
      // An engine that cannot be reached ends the run; a failed build fails only its node.
      if (err instanceof ChainError && err.code === 'E_ENGINE_UNREACHABLE') throw err;
      if (!(err instanceof BuildFailedError) && !(err instanceof ChainError)) throw err;
      const error = err instanceof ChainError ? (err.problems[0]?.message ?? err.message) : err.message;
      finish({ name: node.name, owner: node.owner, status: 'failed', tags: [], durationMs: Date.now() - t0, log: opts.state.logFile(node.name), error: error.split('\n')[0] as string });
    }
  }

  const nodes = plan.nodes.map((n) => results.get(n.name)).filter((r): r is NodeResult => r !== undefined);
  return { chain: plan.chain, nodes, counts: countStatuses(nodes), durationMs: Date.now() - started };
}

function parentImages(planned: PlanNode, world: World, images: Map<string, StoredImage>): { images: Record<string, StoredImage> } | { missing: string } {
  const out: Record<string, StoredImage> = {};
  for (const parent of world.graph.parents(planned.name)) {
    const image = images.get(parent) ?? world.images[parent];
    if (!image) {
      const node = world.loaded.config.nodes[parent];
      return { missing: node?.kind === 'external' ? `base image ${node.image} (node ${parent})` : `parent ${parent}` };
    }
    out[parent] = image;
  }
  return { images: out };
}
