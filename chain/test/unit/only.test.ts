/** `--only`: the plan builds exactly the named nodes, and a run fails those whose parent is not current. */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeFingerprints } from '../../core/fingerprint.js';
import { chainGraph } from '../../core/graph.js';
import type { BuiltInputs, NodeInputs, RemoteTagged } from '../../core/inputs.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';
import { assemblePlan, selectNodes, type Plan } from '../../core/plan.js';
import type { DockerEngine } from '../../adapters/docker.js';
import type { ProvenanceStore } from '../../adapters/provenance-store.js';
import { StateStore } from '../../adapters/state.js';
import type { BuildNodeFn, NodeBuild } from '../../exec/build-types.js';
import { executePlan } from '../../exec/run.js';
import { renderPlan } from '../../cli/render/plan.js';
import { repoRoot, runCli } from '../helpers.js';

function built(name: string, tier: string, from: string[]): ChainNode {
  return { kind: 'built', name, tier, owner: `team-${name}`, from: from.map((node) => ({ node })), path: `layers/${name}`, dockerfile: 'Dockerfile', version: '1.0.0', args: {}, secretArgs: [], test: [] };
}

/** base (external) -> core -> web -> site; core -> rt -> report */
const config: ChainConfig = {
  root: '/repo', file: '/repo/chain.yaml', name: 'acme', teams: {}, tiers: ['base', 'core', 'middleware', 'app'], concurrency: {}, admins: [], trustedKeys: [],
  registry: 'reg:5000/acme',
  nodes: {
    base: { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'vendor/base:1' },
    core: built('core', 'core', ['base']),
    web: built('web', 'middleware', ['core']),
    rt: built('rt', 'middleware', ['core']),
    site: built('site', 'app', ['web']),
    report: built('report', 'app', ['rt']),
  },
};
const graph = chainGraph(config);
const BUILT = ['core', 'web', 'rt', 'site', 'report'];

function inputs(overrides: Record<string, Partial<BuiltInputs>> = {}): Record<string, NodeInputs> {
  const out: Record<string, NodeInputs> = { base: { kind: 'external', image: 'vendor/base:1', digest: 'sha256:b1', digestKind: 'image-id' } };
  for (const name of BUILT) out[name] = { kind: 'built', files: { Dockerfile: '100644 aaa' }, dockerfile: 'Dockerfile', args: {}, version: '1.0.0', ...overrides[name] };
  return out;
}

/**
 * Plans `now` with --only against a registry that holds, attested, the images of the `built`
 * nodes under their fingerprints before the change (the inputs of `inputs()`).
 */
function planOnly(targets: string[], built: string[], now = inputs(), since?: string[]): Plan {
  const fingerprints = computeFingerprints(graph, now);
  const before = computeFingerprints(graph, inputs());
  const tagged: Record<string, RemoteTagged> = Object.fromEntries(built.map((n) => [n, { digest: `reg:5000/acme/${n}@sha256:${n}`, fingerprint: before[n] as string, attested: true }]));
  return assemblePlan({
    chain: config, graph, targets, force: new Set(), only: true, inputs: now, fingerprints, externals: { base: { id: 'sha256:base' } }, records: {},
    store: { reachable: true, local: new Map(), registry: { name: 'reg:5000/acme', tagged, released: {} } },
    ...(since ? { since: { ref: 'main', touched: new Map(since.map((n) => [n, ['x']])) } } : {}),
  });
}

const actions = (p: Plan) => Object.fromEntries(p.nodes.map((n) => [n.name, n.action]));
const node = (p: Plan, name: string) => p.nodes.find((n) => n.name === name);

test('--only builds the named node on its parents as the registry holds them; ancestors are only observed', () => {
  const p = planOnly(['web'], ['core']);
  assert.equal(actions(p), { base: 'skip', core: 'skip', web: 'build' });
  assert.is(node(p, 'core')?.image?.digest, 'reg:5000/acme/core@sha256:core');
  assert.is(node(p, 'web')?.parentNotCurrent, undefined);
  assert.is(p.only, true);
  assert.equal([p.summary.build, p.summary.skip, p.summary.missing], [1, 1, 0]);
});

test('--only never builds an ancestor: one that is not current is missing, and the named node on it cannot start', () => {
  const p = planOnly(['web', 'report'], ['rt']);
  assert.equal(actions(p), { base: 'skip', core: 'missing', rt: 'skip', web: 'build', report: 'build' });
  // The ancestor says why it is not current, as a rebuild would.
  assert.equal(node(p, 'core')?.reasons, [{ kind: 'never-built' }]);
  assert.equal(node(p, 'web')?.parentNotCurrent, { parent: 'core', store: 'the registry reg:5000/acme', command: 'chain build core --only --push' });
  assert.is(node(p, 'report')?.parentNotCurrent, undefined, 'rt is current: report builds on it');
  assert.equal([p.summary.build, p.summary.skip, p.summary.missing], [2, 1, 1]);
  const text = renderPlan(p);
  assert.match(text, /web .* build +cannot start: core is not current in the registry reg:5000\/acme: build it first \(chain build core --only --push\)/);
  assert.match(text, /core .* missing +not current \(never built\), and --only builds no ancestor/);
  assert.match(text, /2 to build, 1 up to date; owners: team-report, team-web \(--only: 1 ancestor not current; 1 named node cannot start\)/);
});

test('--only: a named parent builds in the same run; an unnamed node between two named ones is not current once its parent changes', () => {
  const now = inputs({ core: { files: { Dockerfile: '100644 new' } } });
  const both = planOnly(['core', 'web'], BUILT, now);
  assert.equal(actions(both), { base: 'skip', core: 'build', web: 'build' });
  assert.is(node(both, 'web')?.parentNotCurrent, undefined);
  // core's new fingerprint moves web's: web (not named) is not current, so site cannot start.
  const skipping = planOnly(['core', 'site'], ['core', 'web', 'site'], now);
  assert.equal(actions(skipping), { base: 'skip', core: 'build', web: 'missing', site: 'build' });
  assert.is(node(skipping, 'site')?.parentNotCurrent?.parent, 'web');
});

test('--only: a named node that is current already is up to date, whatever its parents', () => {
  const p = planOnly(['site'], ['web', 'site']);
  assert.equal(actions(p), { base: 'skip', core: 'missing', web: 'skip', site: 'skip' });
  assert.is(p.summary.build, 0);
});

test('--only with --since: the named nodes the change touched, themselves or through an ancestor', () => {
  assert.equal(selectNodes(graph, ['site', 'report'], ['web'], true), ['base', 'core', 'site', 'web']);
  assert.equal(selectNodes(graph, ['site', 'report'], [], true), []);
  const p = planOnly(['site', 'report', 'web'], ['core', 'rt', 'report'], inputs(), ['web']);
  assert.equal(actions(p), { base: 'skip', core: 'skip', web: 'build', site: 'build' });
});

test('a run: a node whose parent is not current fails naming it, with a stable code; its named descendants are blocked', async () => {
  const p = planOnly(['web', 'site', 'report'], ['rt']);
  const seen: NodeBuild[] = [];
  const locals: unknown[] = [];
  const buildNode: BuildNodeFn = async (b) => (seen.push(b), locals.push(await b.localParents()), { imageId: `sha256:${b.node.name}`, tags: [], log: '' });
  const engine = { tag: async () => undefined, push: async () => 'sha256:pushed', pull: async () => 'sha256:pulled' } as unknown as DockerEngine;
  const summary = await executePlan({
    plan: p,
    inputs: { config, dockerfiles: {}, graph, snapshots: {}, inputs: {}, fingerprints: {} },
    engine,
    state: new StateStore('/nonexistent'),
    observer: { onEvent: () => undefined },
    provenance: { store: {} as ProvenanceStore, buildId: 'B', builder: { chain: 'test' } },
    jobs: 2,
    buildNode,
  });
  const result = (name: string) => summary.nodes.find((r) => r.name === name);
  assert.equal(Object.fromEntries(summary.nodes.map((r) => [r.name, r.status])), { rt: 'up-to-date', web: 'failed', report: 'built', site: 'blocked' });
  assert.is(result('web')?.error, 'core is not current in the registry reg:5000/acme: build it first (chain build core --only --push)');
  assert.is(result('web')?.code, 'E_PARENT_NOT_CURRENT');
  assert.is(result('site')?.blockedBy, 'web');
  assert.not.ok(summary.nodes.some((r) => r.name === 'core'), 'a missing ancestor is no part of the run');
  assert.equal(seen.map((b) => b.node.name), ['report']);
  assert.equal(locals, [{ rt: { id: 'sha256:pulled', digest: 'reg:5000/acme/rt@sha256:rt' } }]);
});

test('--only names the nodes it builds: without one it is a usage error', async () => {
  const r = await runCli(['plan', '--only', '--file', path.join(repoRoot, 'chain.yaml')], { cwd: repoRoot });
  assert.is(r.code, 2);
  assert.match(r.err, /^error\[E_USAGE\]: --only builds exactly the nodes it is given, and none was named/);
});

test.run();
