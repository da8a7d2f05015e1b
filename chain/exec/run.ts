/**
 * Carries a plan out in parallel: a node starts as soon as all its parents have succeeded, within
 * `jobs` builds at once and any per-tier limit. A failed node blocks only its descendants (unless
 * fail-fast). Human tags move only for nodes that built and passed their tests, and with
 * `atomic` only when every node of the run did. Interruption cancels running builds through the
 * engine; nothing unfinished is promoted.
 */
import PQueue from 'p-queue';
import { ChainError, ExitCode } from '../core/errors.js';
import type { LocalImage, StoredImage } from '../core/inputs.js';
import { imageRepository, type BuiltNode } from '../core/model.js';
import type { Plan } from '../core/plan.js';
import { describeReason } from '../core/reasons.js';
import { BuildFailedError, type DockerEngine } from '../adapters/docker.js';
import type { StateStore } from '../adapters/state.js';
import type { World } from '../world/read.js';
import { buildNode, TestFailedError, type ProvenanceContext } from './build-node.js';
import { countStatuses, finishedEvent, type BuildObserver, type BuildSummary, type NodeResult } from './events.js';
import { promote, type Promotion, type Publish } from './promote.js';

export interface ExecuteOptions {
  plan: Plan;
  world: World;
  engine: DockerEngine;
  state: StateStore;
  observer: BuildObserver;
  /** how provenance is signed and stored; its buildId names the run */
  provenance: ProvenanceContext;
  /** builds at once */
  jobs: number;
  /** builds at once per tier, where chain.yaml limits it */
  tierLimits?: Record<string, number>;
  failFast?: boolean;
  atomic?: boolean;
  testTimeoutMs?: number;
  /** push each node after its tests pass, and promote in the registry too */
  publish?: Publish;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
}

export async function executePlan(o: ExecuteOptions): Promise<BuildSummary> {
  const { plan, world, observer } = o;
  const { config } = world.loaded;
  const started = Date.now();
  const results = new Map<string, NodeResult>();
  const images = new Map<string, StoredImage>();
  const promotions: Promotion[] = [];
  const toBuild = new Set(plan.nodes.filter((n) => n.action === 'build' && config.nodes[n.name]?.kind === 'built').map((n) => n.name));
  const planned = new Map(plan.nodes.map((n) => [n.name, n]));
  const scheduled = new Set<string>();
  const running = new Set<string>();
  let engineLost = false;
  let registryFailed = false;

  const queue = new PQueue({ concurrency: Math.max(1, o.jobs) });
  const tierQueues = new Map(Object.entries(o.tierLimits ?? {}).map(([tier, limit]) => [tier, new PQueue({ concurrency: Math.max(1, limit) })]));
  const stop = new AbortController();

  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const finish = (result: NodeResult) => {
    if (results.has(result.name)) return;
    results.set(result.name, result);
    observer.onEvent(finishedEvent(result));
    if ([...toBuild].every((n) => results.has(n))) allDone();
  };
  const nodeOf = (name: string) => config.nodes[name] as BuiltNode;
  const idle = (name: string, status: 'blocked' | 'cancelled', blockedBy?: string) =>
    finish({ name, owner: nodeOf(name).owner, status, tags: [], durationMs: 0, ...(blockedBy ? { blockedBy } : {}) });

  // When the run stops (interrupt, fail-fast, engine lost), whatever has not started is cancelled.
  stop.signal.addEventListener('abort', () => {
    queue.clear();
    for (const name of toBuild) if (!running.has(name)) idle(name, 'cancelled');
  });
  const onInterrupt = () => stop.abort(new Error('interrupted'));
  o.signal?.addEventListener('abort', onInterrupt, { once: true });

  for (const n of plan.nodes) {
    if (n.action === 'hold') {
      finish({ name: n.name, owner: n.owner, status: 'held', tags: [], durationMs: 0, held: n.reasons[0] ? describeReason(n.reasons[0]) : 'held' });
      continue;
    }
    if (n.action !== 'skip') continue;
    if (n.image) images.set(n.name, n.image);
    const node = config.nodes[n.name];
    if (node?.kind !== 'built') continue;
    finish({ name: n.name, owner: node.owner, status: 'up-to-date', tags: [], durationMs: 0, ...(n.image ? { imageId: n.image.id } : {}) });
    if (n.image?.id && node.version !== undefined && world.tags.get(`${imageRepository(config, n.name)}:${node.version}`) !== n.image.id) {
      promotions.push({ node: n.name, imageId: n.image.id, version: node.version }); // built by an earlier run that did not promote it
    }
  }

  /** The node's parents as local images, pulling by digest a parent known only to the registry. */
  const localParents = async (name: string): Promise<Record<string, LocalImage>> => {
    const out: Record<string, LocalImage> = {};
    for (const p of world.graph.parents(name)) {
      const image = images.get(p) as StoredImage;
      let id = image.id;
      if (!id) {
        if (!image.digest) throw new Error(`execute: parent ${p} has neither an ID nor a digest`);
        id = await o.engine.pull(image.digest, o.publish?.credentials);
        images.set(p, { ...image, id });
      }
      out[p] = { ...image, id };
    }
    return out;
  };

  const parentsReady = (name: string) => world.graph.parents(name).every((p) => images.has(p));
  const schedule = (name: string) => {
    if (scheduled.has(name) || results.has(name) || stop.signal.aborted || !parentsReady(name)) return;
    scheduled.add(name);
    observer.onEvent({ type: 'queued', node: name });
    const task = () => queue.add(() => runNode(name));
    const tierQueue = tierQueues.get(nodeOf(name).tier);
    void (tierQueue ? tierQueue.add(task) : task());
  };

  const runNode = async (name: string): Promise<void> => {
    if (stop.signal.aborted) return idle(name, 'cancelled');
    const node = nodeOf(name);
    const t0 = Date.now();
    running.add(name);
    observer.onEvent({ type: 'started', node: name });
    try {
      const parents = await localParents(name);
      const built = await buildNode({
        node,
        plan: planned.get(name) as Plan['nodes'][number],
        parents,
        world,
        engine: o.engine,
        state: o.state,
        provenance: o.provenance,
        ...(o.publish ? { publish: o.publish } : {}),
        testTimeoutMs: o.testTimeoutMs ?? 120_000,
        signal: stop.signal,
        onLine: (line) => observer.onEvent({ type: 'log', node: name, line }),
        onStep: (step) => observer.onEvent({ type: 'step', node: name, step }),
        onTested: (passed) => observer.onEvent({ type: 'tested', node: name, passed }),
      });
      if (stop.signal.aborted) throw stop.signal.reason;
      images.set(name, { id: built.imageId, ...(built.digest ? { digest: built.digest } : {}) });
      const promotion = { node: name, imageId: built.imageId, ...(node.version !== undefined ? { version: node.version } : {}) };
      const tags = [...built.tags];
      if (o.atomic) promotions.push(promotion);
      else tags.push(...((await promote(o.engine, config, o.provenance.buildId, [promotion], o.publish)).get(name) ?? []));
      running.delete(name);
      finish({ name, owner: node.owner, status: 'built', imageId: built.imageId, ...(built.digest ? { digest: built.digest } : {}), tags, durationMs: Date.now() - t0, log: built.log });
      for (const child of world.graph.children(name)) if (toBuild.has(child)) schedule(child);
    } catch (err) {
      running.delete(name);
      const base = { name, owner: node.owner, tags: [], durationMs: Date.now() - t0, log: o.state.logFile(name) };
      const lost = err instanceof ChainError && err.code === 'E_ENGINE_UNREACHABLE';
      // Once interrupted (or fail-fast), connection errors are the cancellation itself.
      if (lost && (!stop.signal.aborted || engineLost)) {
        engineLost = true;
        finish({ ...base, status: 'failed', error: `the Docker Engine went away: ${err.problems[0]?.message ?? err.message}` });
        stop.abort(err);
        return;
      }
      if (stop.signal.aborted) return finish({ ...base, status: 'cancelled' });
      // A registry that is down or refuses us fails the node; it is not promoted.
      if (err instanceof ChainError && err.exitCode === ExitCode.registry) registryFailed = true;
      if (!(err instanceof BuildFailedError || err instanceof TestFailedError || err instanceof ChainError)) throw err;
      const message = err instanceof ChainError ? (err.problems[0]?.message ?? err.message) : err.message;
      finish({ ...base, status: 'failed', error: message.split('\n')[0] as string });
      for (const d of world.graph.descendants([name])) if (toBuild.has(d)) idle(d, 'blocked', name);
      if (o.failFast) stop.abort(new Error('fail-fast'));
    }
  };

  if (toBuild.size > 0) {
    if (o.signal?.aborted) onInterrupt();
    // A node whose external base is in no store cannot start: it fails, its descendants are blocked.
    for (const name of toBuild) {
      const missing = world.graph.parents(name).find((p) => config.nodes[p]?.kind === 'external' && !images.has(p));
      if (!missing || results.has(name)) continue;
      const base = config.nodes[missing];
      const error = `base image ${base?.kind === 'external' ? base.image : missing} (node ${missing}) is not in the image store: make or pull it, or pin the one you have with chain update`;
      finish({ name, owner: nodeOf(name).owner, status: 'failed', tags: [], durationMs: 0, error });
      for (const d of world.graph.descendants([name])) if (toBuild.has(d)) idle(d, 'blocked', name);
    }
    for (const name of toBuild) schedule(name);
    await done;
    await queue.onIdle();
  }
  o.signal?.removeEventListener('abort', onInterrupt);

  const nodes = plan.nodes.map((n) => results.get(n.name)).filter((r): r is NodeResult => r !== undefined);
  const counts = countStatuses(nodes);
  const promoted = !o.atomic || counts.failed + counts.blocked + counts.cancelled === 0;
  if (promoted && !engineLost && promotions.length > 0) {
    const given = await promote(o.engine, config, o.provenance.buildId, promotions, o.publish);
    for (const r of nodes) r.tags.push(...(given.get(r.name) ?? []));
  }
  return { chain: plan.chain, buildId: o.provenance.buildId, nodes, counts, durationMs: Date.now() - started, promoted, interrupted: o.signal?.aborted ?? false, engineLost, registryFailed };
}
