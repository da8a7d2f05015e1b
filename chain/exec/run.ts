/**
 * Carries a plan out in parallel: a node starts as soon as all its parents have succeeded, within
 * `jobs` builds at once and any per-tier limit. A failed node blocks only its descendants (unless
 * fail-fast). Human tags move only for nodes that built and passed their tests, and with
 * `atomic` only when every node of the run did. Interruption cancels running builds through the
 * engine; nothing unfinished is promoted.
 */
import { digestOf } from '../core/image-ref.js';
import { describeReason } from '../core/reasons.js';
import type { ExecuteOptions } from './build-types.js';
import { countStatuses, type BuildSummary } from './events.js';
import { promote } from './promote.js';
import { promotedLine, runNode } from './run-node.js';
import { RunState } from './run-state.js';

export type { ExecuteOptions } from './build-types.js';

export async function executePlan(options: ExecuteOptions): Promise<BuildSummary> {
  const { plan, signal } = options;
  const startedAt = Date.now();
  const run: RunState = new RunState(plan, options.inputs, options.observer, options, (name, yieldSlot) => runNode(run, options, name, yieldSlot));
  const onInterrupt = () => run.stop.abort(new Error('interrupted'));
  signal?.addEventListener('abort', onInterrupt, { once: true });
  finishUnbuilt(run, options.publish);
  if (run.toBuild.size > 0) {
    if (signal?.aborted) onInterrupt();
    run.failMissingBases();
    run.failParentsNotCurrent();
    for (const name of run.toBuild) run.schedule(name);
    await run.finished();
  }
  signal?.removeEventListener('abort', onInterrupt);

  const nodes = run.nodeResults();
  const counts = countStatuses(nodes);
  const promoted = !options.atomic || counts.failed + counts.blocked + counts.cancelled === 0;
  if (promoted && !run.engineLost && !run.stateUnwritable && run.promotions.length > 0) {
    const given = await promote(options.engine, options.inputs.config, options.provenance.buildId, run.promotions, options.publish, promotedLine(options));
    for (const result of nodes) result.tags.push(...(given.get(result.name) ?? []));
  }
  // A version tag that now names different content is never silent.
  for (const result of nodes) {
    const release = plan.nodes.find((planned) => planned.name === result.name)?.release;
    if (release?.moves && result.tags.includes(release.tag)) result.versionMoved = release.tag;
  }
  const { engineLost, stateUnwritable, registryFailed } = run;
  return { chain: plan.chain, buildId: options.provenance.buildId, nodes, counts, durationMs: Date.now() - startedAt, promoted, interrupted: signal?.aborted ?? false, engineLost, stateUnwritable, registryFailed };
}

/**
 * Held nodes are reported as held and up-to-date ones as up to date, their images ready for
 * their children. An up-to-date image whose version tag points elsewhere was built by an earlier
 * run that did not promote it: it is promoted at the end of this one.
 */
function finishUnbuilt(run: RunState, publish: ExecuteOptions['publish']): void {
  const { config } = run.inputs;
  for (const planned of run.plan.nodes) {
    if (planned.action === 'hold') {
      const held = planned.reasons[0] ? describeReason(planned.reasons[0]) : 'held';
      run.finish({ name: planned.name, owner: planned.owner, status: 'held', tags: [], durationMs: 0, held });
      continue;
    }
    // missing (--only: an ancestor not current) is no part of this run; the nodes on it fail, naming it.
    if (planned.action !== 'skip') continue;
    const { image, release } = planned;
    if (image) run.images.set(planned.name, image);
    const node = config.nodes[planned.name];
    if (node?.kind !== 'built') continue;
    run.finish({ name: planned.name, owner: node.owner, status: 'up-to-date', tags: [], durationMs: 0, ...(image ? { imageId: image.id } : {}) });
    // A run killed while promoting leaves a version tag behind, here or in the registry: it converges now.
    const stale = release && (release.local !== image?.id || (publish !== undefined && image?.digest !== undefined && release.registry !== digestOf(image.digest)));
    if ((image?.id || image?.digest) && node.version !== undefined && stale) run.promotions.push({ node: planned.name, ...(image.id ? { imageId: image.id } : {}), ...(image.digest ? { digest: image.digest } : {}), version: node.version });
  }
}
