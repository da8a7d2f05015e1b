/**
 * `chain build` and the nightly job share this: one run at a time per chain; plan, check the
 * registry and the policies, then build, test, push, sign and promote what the plan says.
 * Returns the build summary; never prints (progress goes to the observer it is given).
 */
import path from 'node:path';
import { ChainError, ExitCode, fail, problem } from '../core/errors.js';
import { Labels, type BuiltNode, type ChainConfig } from '../core/model.js';
import { makesImage, type Plan } from '../core/plan.js';
import { readsAs } from '../core/dockerfile.js';
import type { LoadedChain } from '../config/resolve.js';
import type { Violation } from '../policy/model.js';
import { lintChain } from '../policy/run.js';
import { acquireBuildLock } from '../adapters/lock.js';
import { readPrivateKey } from '../adapters/keys.js';
import { ProvenanceStore } from '../adapters/provenance-store.js';
import { parseRegistry } from '../adapters/registry.js';
import { checkoutId, STATE_DIR, type PendingCascade } from '../adapters/state.js';
import type { BuildObserver, BuildSummary } from '../exec/events.js';
import type { ProvenanceContext } from '../exec/build-types.js';
import { newBuildId } from '../exec/promote.js';
import { executePlan } from '../exec/run.js';
import { chainVersion } from '../adapters/version.js';
import { readSecretValues } from '../adapters/secret-values.js';
import type { AppDeps } from './deps.js';
import type { World } from '../world/read.js';
import { planFile, type PlanRequest } from './plan-chain.js';

export interface BuildRequest extends PlanRequest {
  jobs: number;
  testTimeoutMs: number;
  failFast: boolean;
  atomic: boolean;
  /** exit at once when another build holds the lock */
  noWait: boolean;
  push: boolean;
  /** refuse nodes built from uncommitted files */
  requireClean?: boolean;
  /** absolute path of the private key that signs provenance */
  signKey?: string;
  /** why this build happens, recorded in provenance */
  reason?: string;
  /** the progress view for a run of this many nodes; closed before the summary is returned */
  progress: (total: number) => BuildObserver & { close(): void };
  /** where a policy violation of warning severity is told */
  onPolicyWarning: (violation: Violation) => void;
}

/** The reason recorded in provenance: the request's, else the last patch cascade's for the versions it gave. */
function reasonOf(cascade: PendingCascade | undefined, explicit: string | undefined): Pick<ProvenanceContext, 'reasonFor'> {
  if (explicit) return { reasonFor: () => explicit };
  if (!cascade) return {};
  return { reasonFor: (node, version) => (version !== undefined && cascade.versions[node] === version ? cascade.reason : undefined) };
}

export async function buildChain(deps: AppDeps, file: string, request: BuildRequest): Promise<BuildSummary> {
  const signingKey = request.signKey ? readPrivateKey(request.signKey) : undefined;
  // A lock taken from this run after all (its folder removed by hand, a takeover from another host) stops it.
  const lockLost = new AbortController();
  const release = await acquireBuildLock(path.join(path.dirname(file), STATE_DIR), {
    noWait: request.noWait,
    onWait: (holder) => deps.note(`waiting for another chain build on this chain to finish (${holder ? `pid ${holder.pid} on ${holder.host}` : 'holder unknown'})...`),
    onLost: (why) => lockLost.abort(new ChainError([problem('E_LOCK_LOST', `this build lost its lock on the state folder (${why}), so it stopped: nothing unfinished was made current`, { hint: 'another chain build may be running on this chain: let it finish, then run again' })], ExitCode.environment)),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const signal = deps.signal ? AbortSignal.any([deps.signal, lockLost.signal]) : lockLost.signal;
  try {
    // --push moves the version tags an earlier run left behind, of up-to-date nodes too: it needs them all.
    const { plan, world, engine, state } = await planFile(deps, file, { ...request, ...(request.push ? { releases: 'all' as const } : {}) });
    const { config } = world.loaded;
    if (!world.store.reachable) await engine.ping(); // throws the one clear engine error
    if (request.push && !config.registry) fail('E_NO_REGISTRY', '--push needs a registry: in chain.yaml', { hint: 'e.g. registry: 127.0.0.1:5000/acme', location: { file } });
    const host = config.registry ? parseRegistry(config.registry).host : undefined;
    if (host && (request.push || !world.store.reachable)) await deps.registry(host).ping(); // one clear line when it is down or refuses us
    const credentials = host ? deps.credentials(host) : undefined;
    warnAboutCustody(deps, config, request, host);
    refuseMovingVersions(config, plan);
    if (request.requireClean) refuseUncommitted(world, plan);
    const publish = request.push && host ? { registry: deps.registry(host), ...(credentials ? { credentials } : {}) } : undefined;

    // Policies first: a node that breaks an error rule is not built; warnings are told.
    const toBuild = plan.nodes.filter((n) => makesImage(n.action)).map((n) => n.name);
    refuseStaleReadings(world.loaded, toBuild);
    if (toBuild.length > 0) {
      const result = await lintChain(world.loaded, toBuild, { engine, snapshots: world.snapshots, today: deps.now() });
      for (const v of result.violations.filter((x) => x.severity === 'warn')) request.onPolicyWarning(v);
      const errors = result.violations.filter((v) => v.severity === 'error');
      if (errors.length > 0) {
        throw new ChainError(
          errors.map((v) => ({ code: 'E_POLICY', message: `${v.rule}: ${v.node}: ${v.message}`, hint: `${v.hint} (why: ${v.rationale})`, location: v.location })),
          ExitCode.failed,
        );
      }
    }
    // Secrets are read before anything runs: one that cannot be read stops the build here.
    const secrets = readSecretValues(toBuild.map((name) => config.nodes[name]).filter((n): n is BuiltNode => n?.kind === 'built'), config.root, deps.env);
    // Test containers of a run that was killed: this run holds the lock, so no one else owns them.
    await engine.removeContainers([`${Labels.checkout}=${checkoutId(config.root)}`, Labels.test]);
    const progress = request.progress(plan.nodes.filter((n) => n.kind === 'built').length);
    try {
      const summary = await executePlan({
        plan,
        inputs: {
          config,
          dockerfiles: world.loaded.dockerfiles,
          graph: world.graph,
          snapshots: world.snapshots,
          inputs: world.inputs,
          fingerprints: world.fingerprints,
          ...(world.gitHead ? { gitHead: world.gitHead } : {}),
        },
        engine,
        state,
        observer: progress,
        provenance: {
          store: new ProvenanceStore(config.root),
          buildId: newBuildId(deps.now()),
          // The engine's version is for provenance: a run with nothing to build asks none.
          builder: { chain: chainVersion(), ...(toBuild.length > 0 ? { engine: await engine.version() } : {}) },
          ...reasonOf(state.readCascade(), request.reason),
          ...(signingKey ? { signingKey } : {}),
        },
        jobs: request.jobs,
        tierLimits: config.concurrency,
        failFast: request.failFast,
        atomic: request.atomic,
        testTimeoutMs: request.testTimeoutMs,
        ...(publish ? { publish } : {}),
        secrets,
        signal,
      });
      if (lockLost.signal.aborted) throw lockLost.signal.reason;
      return summary;
    } finally {
      progress.close();
    }
  } finally {
    await release();
  }
}

/** Builds that would leave images nobody can verify, or rebuild on every run, are said before they start. */
function warnAboutCustody(deps: AppDeps, config: ChainConfig, request: BuildRequest, host: string | undefined): void {
  if (config.trustedKeys.length > 0 && !request.signKey) deps.note('warning: chain.yaml trusts signing keys (trustedKeys), but this build is unsigned (no --sign-key): chain verify will not accept what it builds');
  if (host && !request.push) deps.note(`warning: chain.yaml names the registry ${config.registry}, which decides what is up to date, but this build does not push (no --push): the next plan will rebuild what it builds`);
}

/** With immutableVersions, a released version never moves to different content. */
function refuseMovingVersions(config: ChainConfig, plan: Plan): void {
  if (!config.immutableVersions) return;
  const moving = plan.nodes.filter((n) => n.release?.moves);
  if (moving.length === 0) return;
  throw new ChainError(
    moving.map((n) => ({
      code: 'E_VERSION_IMMUTABLE',
      message: `${n.name}: rebuilding it would move ${n.release?.tag} to different content, and chain.yaml sets immutableVersions`,
      hint: `give ${n.name} a new version: chain patch ${n.name}`,
      location: { file: config.file },
    })),
    ExitCode.failed,
  );
}

/** --require-clean: every node to build comes from an exact commit, so its provenance can name it. */
function refuseUncommitted(world: World, plan: Plan): void {
  const { config } = world.loaded;
  const problems = plan.nodes.flatMap((planned) => {
    const node = config.nodes[planned.name];
    if (!makesImage(planned.action) || node?.kind !== 'built' || node.source) return [];
    const files = world.snapshots[planned.name]?.uncommitted ?? [];
    if (world.gitHead && files.length === 0) return [];
    const what = world.gitHead ? `uncommitted files: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}` : 'no git commit: the chain is not in a git repository';
    return [{ code: 'E_UNCOMMITTED', message: `${planned.name}: --require-clean, but its context has ${what}`, hint: 'commit (or stash) them, then build again', location: { file: path.join(config.root, node.path) } }];
  });
  if (problems.length > 0) throw new ChainError(problems, ExitCode.input);
}

/** The exit code a build summary means. */
export function buildExitCode(summary: BuildSummary): ExitCode {
  if (summary.interrupted) return ExitCode.interrupted;
  if (summary.engineLost || summary.stateUnwritable) return ExitCode.environment;
  if (summary.registryFailed) return ExitCode.registry;
  return summary.counts.failed + summary.counts.blocked + summary.counts.cancelled > 0 ? ExitCode.failed : ExitCode.ok;
}

/**
 * The Dockerfile of every node to build is read again: the checks ran on a reading remembered in
 * the state folder (adapters/dockerfile-cache.ts), and what is built must be what was checked.
 */
function refuseStaleReadings(loaded: LoadedChain, names: string[]): void {
  for (const name of names) {
    const dockerfile = loaded.dockerfiles[name];
    if (dockerfile && !readsAs(dockerfile.text, dockerfile.info)) {
      fail('E_DOCKERFILE_CACHE', `node ${name}: the reading of its Dockerfile remembered in ${STATE_DIR}/cache/dockerfiles.json is not what the Dockerfile says`, {
        hint: `remove ${STATE_DIR}/cache and run again (something other than chain wrote that file)`,
        location: { file: dockerfile.file },
      }, ExitCode.environment);
    }
  }
}
