/** The planner's rebase decisions on in-memory state: rebase only when the base parent alone changed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeFingerprints, ownInputsKey } from '../../core/fingerprint.js';
import { chainGraph } from '../../core/graph.js';
import type { BuiltInputs, NodeInputs, PreviousImage, TaggedImage } from '../../core/inputs.js';
import { Labels, fingerprintTag, type BuiltNode, type ChainConfig } from '../../core/model.js';
import { assemblePlan, type Plan } from '../../core/plan.js';
import { rebaseLabels } from '../../core/rebase.js';
import { describeReason } from '../../core/reasons.js';
import { planPipeline, ENGINE_LIMITS } from '../../core/pipeline.js';
import { releaseCandidates } from '../../world/previous.js';
import { rebasedConfig } from '../../core/rebase-config.js';

function built(name: string, tier: string, from: string[], extra: Partial<BuiltNode> = {}): BuiltNode {
  return { kind: 'built', name, tier, owner: 'ops', from: from.map((node) => ({ node })), path: `layers/${name}`, dockerfile: 'Dockerfile', version: '1.0.0', args: {}, secretArgs: [], test: [], ...extra };
}

function chainOf(rebase: boolean): ChainConfig {
  return {
    root: '/repo', file: '/repo/chain.yaml', name: 'acme', teams: {}, tiers: ['base', 'core', 'middleware', 'app'], concurrency: {}, admins: [], trustedKeys: [],
    nodes: {
      base: { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'vendor/base:1' },
      core: built('core', 'core', ['base']),
      mw: built('mw', 'middleware', ['core'], rebase ? { rebase: true } : {}),
      app: built('app', 'app', ['mw'], rebase ? { rebase: true } : {}),
    },
  };
}

function inputs(over: Record<string, Partial<BuiltInputs>> = {}): Record<string, NodeInputs> {
  const out: Record<string, NodeInputs> = { base: { kind: 'external', image: 'vendor/base:1', digest: 'sha256:b1', digestKind: 'image-id' } };
  for (const name of ['core', 'mw', 'app']) out[name] = { kind: 'built', files: { Dockerfile: `100644 ${name}`, 'layer.yaml': '100644 v1' }, dockerfile: 'Dockerfile', args: {}, version: '1.0.0', ...over[name] };
  return out;
}

/**
 * The world after a complete build of `was`, planned with `now`: the engine holds every image of
 * `was` under its fingerprint tag with the rebase labels, and the world reader found, for each
 * node that declares rebase, its earlier image with the same own inputs.
 */
function plan(now: Record<string, NodeInputs>, was: Record<string, NodeInputs>, opts: { rebase?: boolean; force?: string[] } = {}): Plan {
  const chain = chainOf(opts.rebase ?? true);
  const graph = chainGraph(chain);
  const before = computeFingerprints(graph, was);
  const fingerprints = computeFingerprints(graph, now);
  const local = new Map<string, TaggedImage>();
  const previous: Record<string, PreviousImage> = {};
  for (const name of ['core', 'mw', 'app']) {
    const parent = graph.parents(name)[0] as string;
    const labels = { [Labels.ownInputs]: ownInputsKey(was[name] as BuiltInputs), [Labels.baseLayers]: '3', [Labels.baseHistory]: '5', 'org.opencontainers.image.base.digest': parent === 'base' ? 'sha256:b1' : `sha256:${parent}-old` };
    const rebase = rebaseLabels(labels);
    const tagged: TaggedImage = { id: `sha256:${name}-old`, fingerprint: before[name] as string, attested: true, ...(rebase ? { rebase } : {}) };
    local.set(`acme/${name}:${fingerprintTag(before[name] as string)}`, tagged);
    if (rebase && rebase.ownInputs === ownInputsKey(now[name] as BuiltInputs)) previous[name] = { ...rebase, fingerprint: before[name] as string, image: { id: tagged.id } };
  }
  return assemblePlan({
    chain, graph, targets: [], force: new Set(opts.force ?? []), inputs: now, fingerprints,
    externals: { base: { id: (now.base as { digest: string }).digest } },
    store: { reachable: true, local }, records: {}, previous,
  });
}

const actions = (p: Plan) => Object.fromEntries(p.nodes.map((n) => [n.name, n.action]));
const patchedCore = (over: Record<string, Partial<BuiltInputs>> = {}) => inputs({ core: { files: { Dockerfile: '100644 core2', 'layer.yaml': '100644 v2' }, version: '1.0.1' }, ...over });

test('a patched core: its rebase descendants are rebased, with the reason and the image they start from', () => {
  const p = plan(patchedCore(), inputs());
  assert.equal(actions(p), { base: 'skip', core: 'build', mw: 'rebase', app: 'rebase' });
  const mw = p.nodes.find((n) => n.name === 'mw');
  assert.equal(mw?.reasons, [{ kind: 'rebase', parent: 'core', from: 'sha256:mw-old' }]);
  assert.is(mw?.rebase?.parent, 'core');
  assert.is(mw?.rebase?.from.image.id, 'sha256:mw-old');
  assert.is(mw?.rebase?.from.baseLayers, 3);
  assert.is(describeReason(mw?.reasons[0] as never), "base parent core rebuilt; own inputs unchanged: rebased from mw-old onto core's new image");
  assert.equal([p.summary.build, p.summary.rebase, p.summary.skip], [1, 2, 0]);
  assert.equal(p.summary.byOwner.ops, { build: 1, rebase: 2, skip: 0, hold: 0 });
  assert.equal(p.summary.owners, ['ops']);
  // chain ci: a rebase is a job like a build (its chain build rebases).
  assert.equal(planPipeline(p, ENGINE_LIMITS.gitlab).jobs.map((j) => j.nodes).flat().sort(), ['app', 'core', 'mw']);
});

test("a cascade's version bump is allowed: layer.yaml and version are not own inputs", () => {
  const p = plan(patchedCore({ mw: { version: '1.0.1', files: { Dockerfile: '100644 mw', 'layer.yaml': '100644 v2' } }, app: { version: '1.0.1' } }), inputs());
  assert.equal(actions(p), { base: 'skip', core: 'build', mw: 'rebase', app: 'rebase' });
});

test('own files changed: rebuilt, and what is built on it is rebased', () => {
  const p = plan(patchedCore({ mw: { files: { Dockerfile: '100644 mw2', 'layer.yaml': '100644 v1' } } }), inputs());
  assert.equal(actions(p), { base: 'skip', core: 'build', mw: 'build', app: 'rebase' });
  assert.is(p.nodes.find((n) => n.name === 'mw')?.rebase, undefined);
});

test('own args changed: rebuilt', () => {
  const p = plan(patchedCore({ app: { args: { MODE: 'x' } } }), inputs());
  assert.is(actions(p).app, 'build');
});

test('a node that does not declare rebase is rebuilt', () => {
  const p = plan(patchedCore(), inputs(), { rebase: false });
  assert.equal(actions(p), { base: 'skip', core: 'build', mw: 'build', app: 'build' });
  assert.is(p.summary.rebase, 0);
});

test('forced: rebuilt, never rebased', () => {
  const p = plan(patchedCore(), inputs(), { force: ['mw'] });
  assert.equal(actions(p), { base: 'skip', core: 'build', mw: 'build', app: 'rebase' });
});

test('a version bump alone, on the same base: a rebuild, not a rebase', () => {
  const p = plan(inputs({ app: { version: '1.0.1' } }), inputs());
  assert.equal(actions(p), { base: 'skip', core: 'skip', mw: 'skip', app: 'build' });
});

test('no earlier image with the same own inputs: rebuilt', () => {
  const p = plan(patchedCore({ app: { files: { Dockerfile: '100644 other', 'layer.yaml': '100644 v1' } } }), inputs());
  assert.is(actions(p).app, 'build');
});

test('an image without the rebase labels is no rebase source', () => {
  assert.is(rebaseLabels({ [Labels.ownInputs]: 'x' }), undefined);
  assert.is(rebaseLabels({ [Labels.ownInputs]: 'x', [Labels.baseLayers]: 'two', [Labels.baseHistory]: '1' }), undefined);
  assert.equal(rebaseLabels({ [Labels.ownInputs]: 'x', [Labels.baseLayers]: '2', [Labels.baseHistory]: '1' }), { ownInputs: 'x', baseLayers: 2, baseHistory: 1 });
});

test('own inputs: layer.yaml, version and parents do not count; files, Dockerfile path and args do', () => {
  const a: BuiltInputs = { kind: 'built', files: { Dockerfile: '1', 'layer.yaml': 'a' }, dockerfile: 'Dockerfile', args: {}, version: '1.0.0' };
  assert.is(ownInputsKey(a), ownInputsKey({ ...a, files: { Dockerfile: '1', 'layer.yaml': 'b' }, version: '2.0.0' }));
  assert.is.not(ownInputsKey(a), ownInputsKey({ ...a, files: { Dockerfile: '2', 'layer.yaml': 'a' } }));
  assert.is.not(ownInputsKey(a), ownInputsKey({ ...a, args: { X: 'h' } }));
  assert.is.not(ownInputsKey(a), ownInputsKey({ ...a, dockerfile: 'Other' }));
});


test('a fresh runner looks at the release tags: the version tag, and the highest release below it', () => {
  const tags = ['fp-abc', '1.0.0', '1.0.0-20261101.1', '1.0.1', '0.9.0', '1.0.1-20261102.1', 'chain-staging', '2.0.0'];
  assert.equal(releaseCandidates(tags, '1.0.2'), ['1.0.1']);
  assert.equal(releaseCandidates(tags, '1.0.1'), ['1.0.1', '1.0.0']);
  assert.equal(releaseCandidates(tags, '0.1.0'), []);
  assert.equal(releaseCandidates(tags, undefined), []);
});

test("the rebased config: the new base's layers and history, then the image's own; chain's labels replaced, the team's kept", () => {
  const old = {
    architecture: 'amd64', created: '2026-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin'], User: '10001', Labels: { 'dev.chain.fingerprint': 'old', 'org.opencontainers.image.revision': 'abc', 'org.opencontainers.image.authors': 'web', team: 'kept' } },
    rootfs: { type: 'layers', diff_ids: ['sha256:b1', 'sha256:b2', 'sha256:o1', 'sha256:o2'] },
    history: [{ created_by: 'base 1' }, { created_by: 'base 2', empty_layer: true }, { created_by: 'base 3' }, { created_by: 'own 1' }, { created_by: 'own 2' }],
  };
  const base = { rootfs: { type: 'layers', diff_ids: ['sha256:n1', 'sha256:n2', 'sha256:n3'] }, history: [{ created_by: 'new 1' }, { created_by: 'new 2' }, { created_by: 'new 3' }] };
  const made = rebasedConfig(old, base, { baseLayers: 2, baseHistory: 3 }, { 'dev.chain.fingerprint': 'new', 'dev.chain.base-layers': '3' });
  assert.equal(made.rootfs?.diff_ids, ['sha256:n1', 'sha256:n2', 'sha256:n3', 'sha256:o1', 'sha256:o2']);
  assert.equal(made.history?.map((h) => h.created_by), ['new 1', 'new 2', 'new 3', 'own 1', 'own 2']);
  assert.equal(made.config?.Labels, { 'dev.chain.base-layers': '3', 'dev.chain.fingerprint': 'new', 'org.opencontainers.image.authors': 'web', team: 'kept' });
  assert.equal([made.config?.Env, made.config?.User, made.created, made.architecture], [['PATH=/bin'], '10001', '2026-01-01T00:00:00Z', 'amd64']);
  assert.throws(() => rebasedConfig(old, base, { baseLayers: 5, baseHistory: 3 }, {}), /fewer than its base's 5/);
});

test.run();
