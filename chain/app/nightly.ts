/**
 * The unattended cascade. Updates the pins, gives every node built on a moved base a patch bump
 * (cascading), then builds exactly as `chain build` does (plan, lint, test, push, sign, promote),
 * and, when everything succeeded, commits chain.lock and the bumps on a branch with the report in
 * the message. A failed subtree keeps its old pin and versions, so the next night retries it.
 * Writes a JSON and a Markdown report and posts the JSON to $CHAIN_WEBHOOK_URL when set. Run
 * twice, it finds nothing to do.
 */
import path from 'node:path';
import { ChainError, type ExitCode } from '../core/errors.js';
import { chainGraph, type ChainGraph } from '../core/graph.js';
import type { ChainConfig } from '../core/model.js';
import { cascade } from '../core/versions.js';
import { versionFile } from '../config/edit.js';
import { LOCK_FILE, writeLock, type Lockfile } from '../adapters/pins.js';
import { StateStore, STATE_DIR } from '../adapters/state.js';
import type { BuildSummary } from '../exec/events.js';
import { resolvePins, type Drift } from '../world/pins.js';
import { buildChain, buildExitCode, type BuildRequest } from './build-chain.js';
import type { AppDeps } from './deps.js';
import { publishReport, renderMarkdown, webhookUrl, type NightlyReport } from './nightly-report.js';
import { openChain } from './open.js';
import { writeVersions } from './versions.js';

export type { NightlyReport } from './nightly-report.js';

export type NightlyRequest = Omit<BuildRequest, 'targets' | 'since' | 'force' | 'reason' | 'failFast' | 'atomic' | 'noWait'> & {
  /** the report folder (default .chain/reports) */
  out?: string;
};

export interface NightlyResult {
  report: NightlyReport;
  /** the build's exit code */
  exitCode: ExitCode;
}

export async function nightly(deps: AppDeps, file: string, request: NightlyRequest): Promise<NightlyResult> {
  webhookUrl(deps.env);
  let loaded = await openChain(file);
  const { root } = loaded.config;
  // Everything a night writes goes through the state folder first: one that cannot be written stops it before anything moves.
  new StateStore(root).ensureWritable();
  const engine = await deps.engine();
  await engine.ping();
  const date = deps.now().toISOString().slice(0, 10);
  const reports = path.resolve(deps.cwd, request.out ?? path.join(root, STATE_DIR, 'reports'));

  // 1. Pins: what moved since the last night. A night that was interrupted (killed, the machine
  // lost) is resumed: what it had found moved, the versions it gave and the lock it started from
  // are in its record, so this run reports, builds and commits them as that night would have.
  const state = new StateStore(root);
  const interrupted = state.readNight();
  const resolved = await resolvePins(loaded, { engine, registry: deps.registry });
  const { lock } = resolved;
  const previous = interrupted ? (interrupted.previous as Lockfile | undefined) : resolved.previous;
  const movedNow = resolved.drift.filter((d) => d.moved && d.from !== undefined);
  const moved = interrupted ? mergeMoved(interrupted.moved, movedNow) : movedNow;

  // 2. Versions: everything built on a moved base gets a patch bump, cascading down (once a night).
  const graph = chainGraph(loaded.config);
  const current = Object.fromEntries(Object.values(loaded.config.nodes).flatMap((n) => (n.kind === 'built' && n.version ? [[n.name, n.version]] : [])));
  const before: Record<string, string> = { ...current, ...interrupted?.before };
  const fresh = bumps(loaded.config, graph, movedNow.filter((m) => !interrupted?.moved.some((p) => p.node === m.node)));
  for (const node of Object.keys(interrupted?.versions ?? {})) delete fresh[node];
  const versions = { ...interrupted?.versions, ...fresh };
  const reason = moved.map((m) => (m.kind === 'source' ? `${m.node}'s repository ${m.image} moved to ${m.to}` : `base ${m.image} moved to ${m.to}`)).join('; ');
  // The night's record first: a kill from here on leaves what the next run needs to resume.
  if (moved.length > 0) state.writeNight({ previous, moved, before, versions });
  writeLock(root, lock);
  if (Object.keys(fresh).length > 0) writeVersions(loaded.config, fresh);
  if (Object.keys(versions).length > 0) {
    state.writeCascade({ reason, versions, at: deps.now().toISOString() });
    loaded = await openChain(file);
  }
  const restore = (names: string[]) => names.length > 0 && writeVersions(loaded.config, Object.fromEntries(names.map((n) => [n, before[n] as string])));

  // 3. Build: exactly `chain build`.
  let summary: BuildSummary;
  try {
    summary = await buildChain(deps, file, { ...request, targets: [], failFast: false, atomic: false, noWait: false, ...(reason ? { reason } : {}) });
  } catch (err) {
    // Unattended: pins and versions go back (so the next night retries), the report still goes
    // out, then the run fails with the error itself.
    if (previous) writeLock(root, previous);
    restore(Object.keys(versions));
    state.clearNight();
    if (err instanceof ChainError) {
      const error = err.problems.map((p) => `${p.code}: ${p.message}`).join('; ');
      await publishReport(deps, { chain: loaded.config.name, date, moved, bumps: [], byOwner: {}, failed: [], retried: [], ok: false, error }, reports);
    }
    throw err;
  }

  // 4. A base whose subtree did not all succeed keeps its old pin (and its nodes their versions).
  const bad = new Set(summary.nodes.filter((n) => ['failed', 'blocked', 'cancelled'].includes(n.status)).map((n) => n.name));
  const retried = moved.filter((m) => [m.node, ...graph.descendants([m.node])].some((d) => bad.has(d))).map((m) => m.node);
  if (retried.length > 0) {
    keepOldPins(lock, previous, retried);
    writeLock(root, lock);
    const inRetried = (n: string) => retried.some((m) => m === n || graph.descendants([m]).has(n));
    restore(Object.keys(versions).filter((n) => inRetried(n) && summary.nodes.find((r) => r.name === n)?.status !== 'built'));
  }

  const exitCode = buildExitCode(summary);
  const report: NightlyReport = {
    chain: loaded.config.name,
    date,
    moved,
    bumps: Object.entries(versions).map(([node, to]) => ({ node, owner: loaded.config.nodes[node]?.owner ?? '', from: before[node] ?? '', to })),
    byOwner: {},
    failed: summary.nodes.filter((n) => n.status === 'failed').map((n) => ({ node: n.name, owner: n.owner, error: n.error ?? '', ...(n.log ? { log: n.log } : {}) })),
    retried,
    ok: exitCode === 0,
  };
  for (const n of summary.nodes) {
    const entry = (report.byOwner[n.owner] ??= { built: [], failed: [], blocked: [], held: [] });
    if (n.status === 'built' || n.status === 'failed' || n.status === 'blocked' || n.status === 'held') entry[n.status].push(n.name);
  }

  // 5. Everything succeeded and something changed: commit the pins and bumps on a branch.
  const git = deps.git(root);
  const changed = [LOCK_FILE, ...new Set(Object.keys(versions).map((n) => path.relative(root, versionFile(loaded.config, n).file)))];
  if (report.ok && (await git.hasChanges(changed))) {
    const branch = `chain/nightly-${date}`;
    const message = `chain nightly ${date}: ${moved.length} base${moved.length === 1 ? '' : 's'} moved, ${summary.counts.built} image${summary.counts.built === 1 ? '' : 's'} rebuilt\n\n${renderMarkdown(report)}`;
    report.committed = { branch, commit: await git.commitOnBranch(branch, changed, message) };
  }
  await publishReport(deps, report, reports);
  state.clearNight();
  return { report, exitCode };
}

/** What an interrupted night found moved, with what moved since (a base that moved again keeps its first `from`). */
function mergeMoved(earlier: Drift[], now: Drift[]): Drift[] {
  const merged = new Map(earlier.map((d) => [d.node, d]));
  for (const d of now) merged.set(d.node, { ...d, ...(merged.get(d.node)?.from ? { from: merged.get(d.node)?.from as string } : {}) });
  return [...merged.values()];
}

/** A moved base bumps what is built on it; a moved team repository bumps its own node; bumps cascade. */
function bumps(config: ChainConfig, graph: ChainGraph, moved: Drift[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const m of moved) {
    for (const child of m.kind === 'source' ? [m.node] : graph.children(m.node)) {
      const node = config.nodes[child];
      if (node?.kind !== 'built' || !node.version || versions[child]) continue;
      for (const c of cascade(config, graph, child, 'patch').changes) versions[c.node] ??= c.to;
    }
  }
  return versions;
}

function keepOldPins(lock: Lockfile, previous: Lockfile | undefined, names: string[]): void {
  for (const name of names) {
    const oldImage = previous?.externals[name];
    const oldSource = previous?.sources?.[name];
    if (oldImage) lock.externals[name] = oldImage;
    if (oldSource && lock.sources) lock.sources[name] = oldSource;
  }
}
