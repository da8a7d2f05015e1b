/** `chain build`: one run at a time per chain; builds, tests and promotes what the plan says. */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ChainError, ExitCode, fail } from '../../core/errors.js';
import { lintChain } from '../../policy/run.js';
import { violationLine } from '../render/lint.js';
import { dockerCredentials, parseRegistry, RegistryClient } from '../../adapters/registry.js';
import { Labels } from '../../core/model.js';
import { acquireBuildLock } from '../../adapters/lock.js';
import { STATE_DIR, type PendingCascade } from '../../adapters/state.js';
import type { ProvenanceContext } from '../../exec/build-node.js';
import { readPrivateKey } from '../../adapters/keys.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { chainVersion } from '../../version.js';
import type { BuildSummary } from '../../exec/events.js';
import { newBuildId } from '../../exec/promote.js';
import { executePlan } from '../../exec/run.js';
import { chainFile, positiveInt, type Run } from '../command.js';
import { renderBuildSummary } from '../render/build.js';
import { displayLocation } from '../render/problems.js';
import { liveReporter } from '../reporters/live.js';
import { plainReporter } from '../reporters/plain.js';
import { planChain } from './plan-chain.js';

/** Builds at once by default: builds wait on the engine as much as they compute. */
export const DEFAULT_JOBS = Math.max(2, 2 * availableParallelism());

/** The reason recorded in provenance: --reason, else the last patch cascade's for the versions it gave. */
function reasonOf(cascade: PendingCascade | undefined, explicit: string | undefined): Pick<ProvenanceContext, 'reasonFor'> {
  if (explicit) return { reasonFor: () => explicit };
  if (!cascade) return {};
  return { reasonFor: (node, version) => (version !== undefined && cascade.versions[node] === version ? cascade.reason : undefined) };
}

export const run: Run = async (args, opts, io) => {
  const jobs = positiveInt(opts.jobs, DEFAULT_JOBS, 'jobs');
  const testTimeoutMs = positiveInt(opts['test-timeout'], 120, 'test-timeout') * 1000;
  const signingKey = opts['sign-key'] ? readPrivateKey(path.resolve(io.cwd, opts['sign-key'])) : undefined;
  const file = chainFile(opts, io);
  const release = await acquireBuildLock(path.join(path.dirname(file), STATE_DIR), {
    noWait: opts['no-wait'] ?? false,
    onWait: (holder) => io.err(`waiting for another chain build on this chain to finish (${holder ? `pid ${holder.pid} on ${holder.host}` : 'holder unknown'})...`),
  });
  try {
    const { plan, world, engine, state } = await planChain(file, args, opts, io);
    if (!world.storeReachable) await engine.ping(); // throws the one clear engine error
    const { registry } = world.loaded.config;
    if (opts.push && !registry) fail('E_NO_REGISTRY', '--push needs a registry: in chain.yaml', { hint: 'e.g. registry: 127.0.0.1:5000/acme', location: { file } });
    const host = registry ? parseRegistry(registry).host : undefined;
    if (host && (opts.push || !world.storeReachable)) await new RegistryClient(host, dockerCredentials(host, process.env)).ping(); // one clear line when it is down or refuses us
    const credentials = host ? dockerCredentials(host, process.env) : undefined;
    const publish = opts.push && host ? { registry: new RegistryClient(host, credentials), ...(credentials ? { credentials } : {}) } : undefined;
    // Policies first: a node that breaks an error rule is not built; warnings are shown.
    const toBuild = plan.nodes.filter((n) => n.action === 'build').map((n) => n.name);
    if (toBuild.length > 0) {
      const result = await lintChain(world.loaded, toBuild, { engine, snapshots: world.snapshots });
      for (const v of result.violations.filter((x) => x.severity === 'warn')) io.err(`policy warning: ${violationLine(v, io.cwd)}`);
      const errors = result.violations.filter((v) => v.severity === 'error');
      if (errors.length > 0) {
        throw new ChainError(
          errors.map((v) => ({ code: 'E_POLICY', message: `${v.rule}: ${v.node}: ${v.message}`, hint: `${v.hint} (why: ${v.rationale})`, location: v.location })),
          ExitCode.failed,
        );
      }
    }
    // Test containers of a run that was killed: this run holds the lock, so no one else owns them.
    await engine.removeContainers([`${Labels.chain}=${plan.chain}`, Labels.test]);
    const total = plan.nodes.filter((n) => n.kind === 'built').length;
    const reporter =
      io.live && !opts.verbose ? liveReporter((t) => process.stderr.write(t), { total, columns: io.columns ?? (() => 80) }) : plainReporter(io.err, { verbose: opts.verbose ?? false });
    let summary: BuildSummary;
    try {
      summary = await executePlan({
        plan,
        world,
        engine,
        state,
        observer: reporter,
        provenance: {
          store: new ProvenanceStore(world.loaded.config.root),
          buildId: newBuildId(),
          builder: { chain: chainVersion(), engine: await engine.version() },
          ...reasonOf(state.readCascade(), opts.reason),
          ...(signingKey ? { signingKey } : {}),
        },
        jobs,
        tierLimits: world.loaded.config.concurrency,
        failFast: opts['fail-fast'] ?? false,
        atomic: opts.atomic ?? false,
        testTimeoutMs,
        ...(publish ? { publish } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
      });
    } finally {
      reporter.close();
    }
    io.out(opts.json ? JSON.stringify(summary, null, 2) : renderBuildSummary(summary, (p) => displayLocation({ file: p }, io.cwd)));
    if (summary.interrupted) return ExitCode.interrupted;
    if (summary.engineLost) return ExitCode.environment;
    if (summary.registryFailed) return ExitCode.registry;
    return summary.counts.failed + summary.counts.blocked + summary.counts.cancelled > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    await release();
  }
};
