/**
 * The scheduling state of one run: what each node came to, the images children build from, and
 * the queues. A node is queued only once every parent has an image (found, external, or built by
 * this run), and runs within `jobs` builds at once and its tier's limit. What happens to a node
 * (start, finish, block, cancel) goes through here, so every outcome reaches the observer once.
 */
import PQueue from 'p-queue';
import { describeParentNotCurrent, PARENT_NOT_CURRENT } from '../core/current.js';
import type { StoredImage } from '../core/inputs.js';
import type { BuiltNode } from '../core/model.js';
import { makesImage, type Plan } from '../core/plan.js';
import { finishedEvent, type BuildObserver, type NodeResult } from './events.js';
import type { ExecInputs } from './inputs.js';
import type { Promotion } from './promote.js';

export interface RunLimits {
  /** builds at once */
  jobs: number;
  /** builds at once per tier, where chain.yaml limits it */
  tierLimits?: Record<string, number>;
}

export class RunState {
  readonly results = new Map<string, NodeResult>();
  /** the image of each node a child may build from: up to date, external, or built by this run */
  readonly images = new Map<string, StoredImage>();
  /** promotions left for the end of the run */
  readonly promotions: Promotion[] = [];
  /** the built nodes this run has to build */
  readonly toBuild: Set<string>;
  /** aborted when the run stops: interrupt, fail-fast, or the engine lost */
  readonly stop = new AbortController();
  engineLost = false;
  /** the state folder could not be written (a full disk): the run stopped */
  stateUnwritable = false;
  registryFailed = false;
  private readonly scheduled = new Set<string>();
  private readonly running = new Set<string>();
  private readonly queue: PQueue;
  private readonly tierQueues: Map<string, PQueue>;
  private readonly allFinished: Promise<void>;
  private resolveAllFinished: () => void = () => undefined;
  private rejectAllFinished: (bug: unknown) => void = () => undefined;

  constructor(
    readonly plan: Plan,
    readonly inputs: ExecInputs,
    private readonly observer: BuildObserver,
    limits: RunLimits,
    /**
     * carries out one node; called from the queue once the node may start. `yieldSlot` gives its
     * build slot back before the node is done, once what is left of it is waiting on the registry
     */
    private readonly runNode: (name: string, yieldSlot: () => void) => Promise<void>,
  ) {
    const { nodes } = inputs.config;
    this.toBuild = new Set(plan.nodes.filter((planned) => makesImage(planned.action) && nodes[planned.name]?.kind === 'built').map((planned) => planned.name));
    this.queue = new PQueue({ concurrency: Math.max(1, limits.jobs) });
    this.tierQueues = new Map(Object.entries(limits.tierLimits ?? {}).map(([tier, limit]) => [tier, new PQueue({ concurrency: Math.max(1, limit) })]));
    this.allFinished = new Promise<void>((resolve, reject) => {
      this.resolveAllFinished = resolve;
      this.rejectAllFinished = reject;
    });
    // When the run stops, whatever has not started is cancelled.
    this.stop.signal.addEventListener('abort', () => this.cancelPending());
  }

  get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  nodeOf(name: string): BuiltNode {
    return this.inputs.config.nodes[name] as BuiltNode;
  }

  /** Reports a node's outcome, once; the run is over when every node to build has one. */
  finish(result: NodeResult): void {
    this.running.delete(result.name);
    if (this.results.has(result.name)) return;
    this.results.set(result.name, result);
    this.observer.onEvent(finishedEvent(result));
    if ([...this.toBuild].every((name) => this.results.has(name))) this.resolveAllFinished();
  }

  cancel(name: string): void {
    this.finishIdle(name, 'cancelled');
  }

  /** Every node to build below a failed one is blocked by it; other branches go on. */
  blockDescendants(failed: string): void {
    for (const name of this.inputs.graph.descendants([failed])) if (this.toBuild.has(name)) this.finishIdle(name, 'blocked', failed);
  }

  /** Nodes not yet started are cancelled; running ones see the stop signal and end themselves. */
  cancelPending(): void {
    this.queue.clear();
    for (const name of this.toBuild) if (!this.running.has(name)) this.cancel(name);
  }

  /** A node whose external base is in no store cannot start: it fails, its descendants are blocked. */
  failMissingBases(): void {
    const { nodes } = this.inputs.config;
    for (const name of this.toBuild) {
      const missing = this.inputs.graph.parents(name).find((parent) => nodes[parent]?.kind === 'external' && !this.images.has(parent));
      if (!missing || this.results.has(name)) continue;
      const base = nodes[missing];
      const error = `base image ${base?.kind === 'external' ? base.image : missing} (node ${missing}) is not in the image store: make or pull it, or pin the one you have with chain update`;
      this.finish({ name, owner: this.nodeOf(name).owner, status: 'failed', tags: [], durationMs: 0, error, code: 'E_BASE_MISSING' });
      this.blockDescendants(name);
    }
  }

  /** --only: a node whose parent is not current cannot start; it fails naming the parent, its descendants are blocked. */
  failParentsNotCurrent(): void {
    for (const planned of this.plan.nodes) {
      if (!planned.parentNotCurrent || !this.toBuild.has(planned.name) || this.results.has(planned.name)) continue;
      const error = describeParentNotCurrent(planned.parentNotCurrent);
      this.finish({ name: planned.name, owner: planned.owner, status: 'failed', tags: [], durationMs: 0, error, code: PARENT_NOT_CURRENT });
      this.blockDescendants(planned.name);
    }
  }

  /** Whether every parent of the node has an image to build from. */
  ready(name: string): boolean {
    return this.inputs.graph.parents(name).every((parent) => this.images.has(parent));
  }

  /** Queues the node if it is ready and was neither queued nor finished. */
  schedule(name: string): void {
    if (this.scheduled.has(name) || this.results.has(name) || this.stopped || !this.ready(name)) return;
    this.scheduled.add(name);
    this.observer.onEvent({ type: 'queued', node: name });
    // The node holds its slot (and its tier's) until it is done or yields it; the run waits for it either way.
    let done: Promise<void> = Promise.resolve();
    const slot = () =>
      new Promise<void>((yielded) => {
        done = this.runNode(name, yielded);
        done.then(yielded, yielded);
      });
    const task = () => this.queue.add(slot);
    const tierQueue = this.tierQueues.get(this.nodeOf(name).tier);
    // A bug in a node's task stops the run and reaches executePlan's caller (never an unhandled rejection).
    // Rejected first: the stop cancels what is pending, and that may finish the run.
    (tierQueue ? tierQueue.add(task) : task()).then(() => done).catch((bug: unknown) => {
      this.rejectAllFinished(bug);
      this.stop.abort(bug);
    });
  }

  scheduleChildren(name: string): void {
    for (const child of this.inputs.graph.children(name)) if (this.toBuild.has(child)) this.schedule(child);
  }

  start(name: string): void {
    this.running.add(name);
    this.observer.onEvent({ type: 'started', node: name });
  }

  /** The node stopped running without an outcome (a bug is on its way up). */
  leave(name: string): void {
    this.running.delete(name);
  }

  /** Resolves once every node to build has an outcome and no build is left running. */
  async finished(): Promise<void> {
    await this.allFinished;
    await this.queue.onIdle();
  }

  /** The outcomes in plan order. */
  nodeResults(): NodeResult[] {
    return this.plan.nodes.map((planned) => this.results.get(planned.name)).filter((result): result is NodeResult => result !== undefined);
  }

  private finishIdle(name: string, status: 'blocked' | 'cancelled', blockedBy?: string): void {
    this.finish({ name, owner: this.nodeOf(name).owner, status, tags: [], durationMs: 0, ...(blockedBy ? { blockedBy } : {}) });
  }
}
