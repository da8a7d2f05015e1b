/**
 * One node's turn in a run: pull the parents it needs, build it, promote it (or leave that to the
 * end under `atomic`), and let its children go; or decide what its failure means for the rest.
 */
import { ChainError, ExitCode } from '../core/errors.js';
import type { LocalImage, StoredImage } from '../core/inputs.js';
import type { PlanNode } from '../core/plan.js';
import { BuildFailedError } from '../adapters/docker-build.js';
import type { NodeResult } from './events.js';
import { TestFailedError } from './node-tests.js';
import { promote } from './promote.js';
import type { RunState } from './run-state.js';
import type { ExecuteOptions } from './build-types.js';
import { buildNode } from './build-node.js';
import { describeFailure } from './failed-step.js';

export async function runNode(run: RunState, options: ExecuteOptions, name: string, yieldSlot?: () => void): Promise<void> {
  if (run.stopped) return run.cancel(name);
  const node = run.nodeOf(name);
  const startedAt = Date.now();
  run.start(name);
  try {
    const parents = Object.fromEntries(run.inputs.graph.parents(name).map((parent) => [parent, run.images.get(parent) as StoredImage]));
    let local: Promise<Record<string, LocalImage>> | undefined;
    const built = await (options.buildNode ?? buildNode)({
      node,
      plan: run.plan.nodes.find((planned) => planned.name === name) as PlanNode,
      parents,
      localParents: () => (local ??= localParents(run, options, name)),
      ...(yieldSlot ? { yieldSlot } : {}),
      inputs: run.inputs,
      engine: options.engine,
      state: options.state,
      provenance: options.provenance,
      ...(options.publish ? { publish: options.publish } : {}),
      ...(options.secrets?.[name] ? { secrets: options.secrets[name] } : {}),
      testTimeoutMs: options.testTimeoutMs ?? 120_000,
      signal: run.stop.signal,
      onLine: (line) => options.observer.onEvent({ type: 'log', node: name, line }),
      onStep: (step) => options.observer.onEvent({ type: 'step', node: name, step }),
      onTested: (passed) => options.observer.onEvent({ type: 'tested', node: name, passed }),
    });
    if (run.stopped) throw run.stop.signal.reason;
    const digest = built.digest ? { digest: built.digest } : {};
    // An image only the registry holds is pulled by the first child that needs it in the engine.
    run.images.set(name, { ...(built.remote ? {} : { id: built.imageId }), ...digest });
    const promotion = { node: name, ...(built.remote ? {} : { imageId: built.imageId }), ...digest, ...(node.version !== undefined ? { version: node.version } : {}) };
    const tags = [...built.tags];
    if (options.atomic) run.promotions.push(promotion);
    else tags.push(...((await promote(options.engine, run.inputs.config, options.provenance.buildId, [promotion], options.publish, promotedLine(options))).get(name) ?? []));
    const adopted = { ...(built.adopted ? { adopted: true as const } : {}), ...(built.rebasedFrom ? { rebasedFrom: built.rebasedFrom } : {}) };
    run.finish({ name, owner: node.owner, status: 'built', imageId: built.imageId, ...digest, ...adopted, tags, durationMs: Date.now() - startedAt, log: built.log });
    run.scheduleChildren(name);
  } catch (err) {
    const result = { name, owner: node.owner, tags: [], durationMs: Date.now() - startedAt, log: options.state.logFile(name) };
    failNode(run, options, result, err);
  }
}

/** Each promoted tag, as a line of the node's output (verbose runs show it). */
export function promotedLine(options: ExecuteOptions): (node: string, tag: string) => void {
  return (node, tag) => options.observer.onEvent({ type: 'log', node, line: `# promoted ${tag}` });
}

/** What a node's error means for the run: engine lost, state unwritable, cancelled, or failed (blocking its descendants). */
function failNode(run: RunState, options: ExecuteOptions, result: Omit<NodeResult, 'status'>, err: unknown): void {
  const lost = err instanceof ChainError && err.code === 'E_ENGINE_UNREACHABLE';
  // Once interrupted (or fail-fast), connection errors are the cancellation itself.
  if (lost && (!run.stopped || run.engineLost)) {
    run.engineLost = true;
    run.finish({ ...result, status: 'failed', error: `the Docker Engine went away: ${err.problems[0]?.message ?? err.message}` });
    run.stop.abort(err);
    return;
  }
  // A state folder that cannot be written (a full disk) stops the run: no record, nothing current.
  if (err instanceof ChainError && err.code === 'E_STATE_WRITE' && !run.stopped) {
    run.stateUnwritable = true;
    run.finish({ ...result, status: 'failed', error: err.problems[0]?.message ?? err.message });
    run.stop.abort(err);
    return;
  }
  if (run.stopped) return run.finish({ ...result, status: 'cancelled' });
  // A registry that is down or refuses us fails the node; it is not promoted.
  if (err instanceof ChainError && err.exitCode === ExitCode.registry) run.registryFailed = true;
  if (!(err instanceof BuildFailedError || err instanceof TestFailedError || err instanceof ChainError)) {
    run.leave(result.name);
    throw err;
  }
  const message = err instanceof ChainError ? (err.problems[0]?.message ?? err.message) : err.message;
  const failure = err instanceof BuildFailedError ? describeFailure(message, err.step, run.inputs.dockerfiles[result.name], run.inputs.config.root) : { error: message.split('\n')[0] as string };
  run.finish({ ...result, status: 'failed', ...failure });
  run.blockDescendants(result.name);
  if (options.failFast) run.stop.abort(new Error('fail-fast'));
}

/** The node's parents as local images, pulling by digest a parent known only to the registry. */
async function localParents(run: RunState, options: ExecuteOptions, name: string): Promise<Record<string, LocalImage>> {
  const parents: Record<string, LocalImage> = {};
  for (const parent of run.inputs.graph.parents(name)) {
    const image = run.images.get(parent) as StoredImage;
    let id = image.id;
    if (!id) {
      if (!image.digest) throw new Error(`execute: parent ${parent} has neither an ID nor a digest`);
      id = await options.engine.pull(image.digest, options.publish?.credentials);
      run.images.set(parent, { ...image, id });
    }
    parents[parent] = { ...image, id };
  }
  return parents;
}
