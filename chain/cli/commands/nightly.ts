/**
 * `chain nightly [--push] [--sign-key <file>] [--out <report folder>]`: the unattended cascade.
 * Updates the pins, gives every node built on a moved base a patch bump (cascading), plans,
 * lints, builds with tests (pushing and signing when asked), and, when everything succeeded,
 * commits chain.lock and the bumps on a branch with the plan in the message. A failed subtree
 * keeps its old pin and versions, so the next night retries it. Writes a JSON and a Markdown
 * report and posts the JSON to $CHAIN_WEBHOOK_URL when set. Run twice, it finds nothing to do.
 */
import path from 'node:path';
import { ChainError, ExitCode } from '../../core/errors.js';
import { chainGraph } from '../../core/graph.js';
import { cascade } from '../../core/versions.js';
import { loadChain } from '../../config/load.js';
import { versionFile, writeVersions } from '../../config/edit.js';
import { DockerEngine } from '../../adapters/docker.js';
import { GitRepo } from '../../adapters/git.js';
import { LOCK_FILE, writeLock } from '../../adapters/pins.js';
import { ensureSources } from '../../adapters/sources.js';
import { dockerCredentials, registryClients } from '../../adapters/registry.js';
import { StateStore, STATE_DIR, writeFileAtomic } from '../../adapters/state.js';
import type { BuildSummary } from '../../exec/events.js';
import { resolvePins, type Drift } from '../../world/pins.js';
import { openChain, type Io, type Run } from '../command.js';
import { run as build } from './build.js';

export interface NightlyReport {
  chain: string;
  date: string;
  moved: Drift[];
  bumps: { node: string; owner: string; from: string; to: string }[];
  byOwner: Record<string, { built: string[]; failed: string[]; blocked: string[]; held: string[] }>;
  failed: { node: string; owner: string; error: string; log?: string }[];
  /** the pins kept back because their subtree failed: retried next night */
  retried: string[];
  committed?: { branch: string; commit: string };
  ok: boolean;
  /** why the run stopped before building, when it did (a policy refusal, an engine gone, ...) */
  error?: string;
}

export const run: Run = async (_args, opts, io) => {
  const opened = await openChain(opts, io);
  const { file } = opened;
  let loaded = opened.loaded;
  const { root } = loaded.config;
  const engine = io.engine ?? new DockerEngine();
  await engine.ping();
  const date = new Date().toISOString().slice(0, 10);

  // 1. Pins: what moved since the last night.
  const { lock, previous, drift } = await resolvePins(loaded, { engine, state: new StateStore(root), registry: registryClients((host) => dockerCredentials(host, process.env)) });
  const moved = drift.filter((d) => d.moved && d.from !== undefined);
  writeLock(root, lock);
  await ensureSources(file); // team repositories at their new commits

  // 2. Versions: everything built on a moved base gets a patch bump, cascading down.
  const graph = chainGraph(loaded.config);
  const before = Object.fromEntries(Object.values(loaded.config.nodes).flatMap((n) => (n.kind === 'built' && n.version ? [[n.name, n.version]] : [])));
  const versions: Record<string, string> = {};
  for (const m of moved) {
    // A moved base bumps what is built on it; a moved team repository bumps its own node.
    for (const child of m.kind === 'source' ? [m.node] : graph.children(m.node)) {
      const node = loaded.config.nodes[child];
      if (node?.kind !== 'built' || !node.version || versions[child]) continue;
      for (const c of cascade(loaded.config, graph, child, 'patch').changes) versions[c.node] ??= c.to;
    }
  }
  const reason = moved.map((m) => (m.kind === 'source' ? `${m.node}'s repository ${m.image} moved to ${m.to}` : `base ${m.image} moved to ${m.to}`)).join('; ');
  if (Object.keys(versions).length > 0) {
    writeVersions(loaded.config, versions);
    new StateStore(root).writeCascade({ reason, versions, at: new Date().toISOString() });
    loaded = loadChain(file);
  }

  // 3. Build: plan, lint, test, push, sign, promote: exactly `chain build`.
  const out: string[] = [];
  const buildIo: Io = { ...io, out: (t) => out.push(t), live: false };
  let code: ExitCode;
  try {
    code = await build([], { ...opts, json: true, ...(reason ? { reason } : {}) }, buildIo);
  } catch (err) {
    // Unattended: pins and versions go back (so the next night retries), the report still goes
    // out, then the run fails with the error itself.
    if (previous) writeLock(root, previous);
    if (Object.keys(versions).length > 0) writeVersions(loaded.config, Object.fromEntries(Object.keys(versions).map((n) => [n, before[n] as string])));
    if (err instanceof ChainError) {
      const report: NightlyReport = { chain: loaded.config.name, date, moved, bumps: [], byOwner: {}, failed: [], retried: [], ok: false, error: err.problems.map((p) => `${p.code}: ${p.message}`).join('; ') };
      await publishReport(report, opts.out, root, io);
    }
    throw err;
  }
  const summary = JSON.parse(out.join('\n')) as BuildSummary;

  // 4. A base whose subtree did not all succeed keeps its old pin (and its nodes their versions).
  const bad = new Set(summary.nodes.filter((n) => ['failed', 'blocked', 'cancelled'].includes(n.status)).map((n) => n.name));
  const retried = moved.filter((m) => [m.node, ...graph.descendants([m.node])].some((d) => bad.has(d))).map((m) => m.node);
  if (retried.length > 0) {
    for (const name of retried) {
      const oldImage = previous?.externals[name];
      const oldSource = previous?.sources?.[name];
      if (oldImage) lock.externals[name] = oldImage;
      if (oldSource && lock.sources) lock.sources[name] = oldSource;
    }
    writeLock(root, lock);
    const revert = Object.fromEntries(Object.keys(versions).filter((n) => retried.some((m) => m === n || graph.descendants([m]).has(n)) && summary.nodes.find((r) => r.name === n)?.status !== 'built').map((n) => [n, before[n] as string]));
    if (Object.keys(revert).length > 0) writeVersions(loaded.config, revert);
  }

  const report: NightlyReport = {
    chain: loaded.config.name,
    date,
    moved,
    bumps: Object.entries(versions).map(([node, to]) => ({ node, owner: loaded.config.nodes[node]?.owner ?? '', from: before[node] ?? '', to })),
    byOwner: {},
    failed: summary.nodes.filter((n) => n.status === 'failed').map((n) => ({ node: n.name, owner: n.owner, error: n.error ?? '', ...(n.log ? { log: n.log } : {}) })),
    retried,
    ok: code === ExitCode.ok,
  };
  for (const n of summary.nodes) {
    const entry = (report.byOwner[n.owner] ??= { built: [], failed: [], blocked: [], held: [] });
    if (n.status === 'built' || n.status === 'failed' || n.status === 'blocked' || n.status === 'held') entry[n.status].push(n.name);
  }

  // 5. Everything succeeded and something changed: commit the pins and bumps on a branch.
  const git = new GitRepo(root);
  const changed = [LOCK_FILE, ...new Set(Object.keys(versions).map((n) => path.relative(root, versionFile(loaded.config, n).file)))];
  if (report.ok && (await git.hasChanges(changed))) {
    const branch = `chain/nightly-${date}`;
    const message = `chain nightly ${date}: ${moved.length} base${moved.length === 1 ? '' : 's'} moved, ${summary.counts.built} image${summary.counts.built === 1 ? '' : 's'} rebuilt\n\n${renderMarkdown(report)}`;
    report.committed = { branch, commit: await git.commitOnBranch(branch, changed, message) };
  }

  await publishReport(report, opts.out, root, io);
  io.out(opts.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
  return code;
};

/** Writes the JSON and Markdown report, and posts the JSON to $CHAIN_WEBHOOK_URL when set. */
async function publishReport(report: NightlyReport, out: string | undefined, root: string, io: Io): Promise<void> {
  const reports = path.resolve(io.cwd, out ?? path.join(root, STATE_DIR, 'reports'));
  writeFileAtomic(path.join(reports, `nightly-${report.date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(path.join(reports, `nightly-${report.date}.md`), renderMarkdown(report));
  const webhook = process.env.CHAIN_WEBHOOK_URL;
  if (webhook) {
    const posted = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) }).then((r) => r.ok, () => false);
    if (!posted) io.err(`warning: could not post the report to the webhook ${new URL(webhook).origin}`);
  }
}

export function renderMarkdown(r: NightlyReport): string {
  const lines = [`# Nightly cascade of ${r.chain}, ${r.date}`, ''];
  lines.push(r.moved.length === 0 ? 'No base image moved.' : `## Bases that moved\n\n${r.moved.map((m) => `- **${m.node}** \`${m.image}\`: ${m.from ?? 'none'} -> ${m.to}`).join('\n')}`, '');
  if (r.bumps.length > 0) lines.push('## Version bumps', '', ...r.bumps.map((b) => `- ${b.node} (${b.owner}): ${b.from} -> ${b.to}`), '');
  const owners = Object.entries(r.byOwner).filter(([, o]) => o.built.length + o.failed.length + o.blocked.length + o.held.length > 0);
  if (owners.length > 0) {
    lines.push('## By owner', '', '| owner | rebuilt | failed | blocked | held |', '|---|---|---|---|---|');
    for (const [owner, o] of owners) lines.push(`| ${owner} | ${o.built.join(', ')} | ${o.failed.join(', ')} | ${o.blocked.join(', ')} | ${o.held.join(', ')} |`);
    lines.push('');
  } else lines.push('Nothing to rebuild.', '');
  if (r.failed.length > 0) lines.push('## Failed', '', ...r.failed.map((f) => `- ${f.node} (${f.owner}): ${f.error}${f.log ? ` (log: ${f.log})` : ''}`), '');
  if (r.retried.length > 0) lines.push(`Pins kept back for the next night: ${r.retried.join(', ')}.`, '');
  if (r.committed) lines.push(`Committed on \`${r.committed.branch}\` as ${r.committed.commit.slice(0, 12)}.`, '');
  if (r.error) lines.push(`**The run stopped:** ${r.error}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
