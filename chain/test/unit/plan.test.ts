/** The planner on in-memory state: a small builder makes the world it reads. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeFingerprints } from '../../core/fingerprint.js';
import { chainGraph } from '../../core/graph.js';
import type { BuildRecord, BuiltInputs, NodeInputs, Observations, RemoteTagged, StoredImage, TaggedImage } from '../../core/inputs.js';
import { fingerprintTag, type ChainConfig, type ChainNode } from '../../core/model.js';
import { assemblePlan, satisfying, selectNodes, type Plan } from '../../core/plan.js';

function built(name: string, tier: string, owner: string, from: string[]): ChainNode {
  return { kind: 'built', name, tier, owner, from: from.map((node) => ({ node })), path: `layers/${name}`, dockerfile: 'Dockerfile', version: '1.0.0', args: {}, secretArgs: [], test: [] };
}
const config: ChainConfig = {
  root: '/repo',
  file: '/repo/chain.yaml',
  name: 'acme',
  teams: {},
  tiers: ['base', 'core', 'middleware', 'app'],
  concurrency: {},
  admins: [],
  trustedKeys: [],
  nodes: {
    base: { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'vendor/base:1' },
    core: built('core', 'core', 'ops', ['base']),
    web: built('web', 'middleware', 'mw', ['core']),
    rt: built('rt', 'middleware', 'mw', ['core']),
    site: built('site', 'app', 'web', ['web']),
    report: built('report', 'app', 'data', ['rt']),
  },
};
const graph = chainGraph(config);

function inputs(overrides: Record<string, Partial<BuiltInputs>> = {}, baseDigest = 'sha256:b1'): Record<string, NodeInputs> {
  const out: Record<string, NodeInputs> = { base: { kind: 'external', image: 'vendor/base:1', digest: baseDigest, digestKind: 'image-id' } };
  for (const name of ['core', 'web', 'rt', 'site', 'report']) {
    out[name] = { kind: 'built', files: { Dockerfile: '100644 aaa', 'app.txt': '100644 bbb' }, dockerfile: 'Dockerfile', args: {}, version: '1.0.0', ...overrides[name] };
  }
  return out;
}

/** The world after a complete build of `was`: every image and record exists. */
function builtWorld(was: Record<string, NodeInputs>) {
  const fingerprints = computeFingerprints(graph, was);
  const images: Record<string, StoredImage> = {};
  const records: Record<string, BuildRecord> = {};
  for (const [name, inp] of Object.entries(was)) {
    images[name] = { id: `sha256:${name}-${fingerprints[name]?.slice(0, 6)}` };
    if (inp.kind !== 'built') continue;
    records[name] = {
      format: 1,
      node: name,
      fingerprint: fingerprints[name] as string,
      files: inp.files,
      args: inp.args,
      ...(inp.version ? { version: inp.version } : {}),
      parents: Object.fromEntries(graph.parents(name).map((p) => [p, { fingerprint: fingerprints[p] as string, image: images[p]?.id as string }])),
      imageId: images[name]?.id as string,
      builtAt: '2026-01-01T00:00:00Z',
    };
  }
  return { fingerprints, images, records };
}

/** The stores as observed when they hold these images: external ones resolved, built ones under their fingerprint tag. */
function stores(images: Record<string, StoredImage | undefined>, fingerprints: Record<string, string>): Pick<Observations, 'externals' | 'store'> {
  const externals: Record<string, StoredImage> = {};
  const local = new Map<string, TaggedImage>();
  for (const [name, image] of Object.entries(images)) {
    if (!image?.id) continue;
    if (config.nodes[name]?.kind === 'external') externals[name] = image;
    else local.set(`acme/${name}:${fingerprintTag(fingerprints[name] as string)}`, { id: image.id, fingerprint: fingerprints[name] as string, attested: true });
  }
  return { externals, store: { reachable: true, local } };
}

/** Plans `now` against a store holding the images of `was` (stored by fingerprint). */
function plan(now: Record<string, NodeInputs>, was: Record<string, NodeInputs> | undefined, opts: { targets?: string[]; force?: string[] } = {}): Plan {
  const fingerprints = computeFingerprints(graph, now);
  const before = was ? builtWorld(was) : { fingerprints: {}, images: {}, records: {} };
  const images: Record<string, StoredImage | undefined> = {};
  for (const name of Object.keys(now)) {
    const stored = Object.entries(before.fingerprints).find(([n, fp]) => n === name && fp === fingerprints[name]);
    if (stored || now[name]?.kind === 'external') images[name] = { id: `sha256:${name}` };
  }
  return assemblePlan({ chain: config, graph, targets: opts.targets ?? [], force: new Set(opts.force ?? []), inputs: now, fingerprints, ...stores(images, fingerprints), records: before.records });
}

const withStores = (now: Record<string, NodeInputs>, images: Record<string, StoredImage>) => {
  const fingerprints = computeFingerprints(graph, now);
  return { fingerprints, ...stores(images, fingerprints) };
};

const actions = (p: Plan) => Object.fromEntries(p.nodes.map((n) => [n.name, n.action]));
const reasons = (p: Plan, name: string) => p.nodes.find((n) => n.name === name)?.reasons;

test('nothing built: every built node is never-built, by wave, external skipped', () => {
  const p = plan(inputs(), undefined);
  assert.equal(actions(p), { base: 'skip', core: 'build', rt: 'build', web: 'build', report: 'build', site: 'build' });
  assert.equal(reasons(p, 'core'), [{ kind: 'never-built' }]);
  assert.equal(p.waves, [['base'], ['core'], ['rt', 'web'], ['report', 'site']]);
  // The edges: each node names what it is built from (plan --json carries them for CI fan-out).
  assert.equal(Object.fromEntries(p.nodes.map((n) => [n.name, n.parents])), { base: [], core: ['base'], rt: ['core'], web: ['core'], report: ['rt'], site: ['web'] });
  assert.equal(p.summary, {
    build: 5,
    rebase: 0,
    skip: 0,
    hold: 0,
    external: 1,
    owners: ['data', 'mw', 'ops', 'web'],
    byOwner: { ops: { build: 1, rebase: 0, skip: 0, hold: 0 }, mw: { build: 2, rebase: 0, skip: 0, hold: 0 }, data: { build: 1, rebase: 0, skip: 0, hold: 0 }, web: { build: 1, rebase: 0, skip: 0, hold: 0 } },
  });
});

test('nothing changed: nothing to build', () => {
  const p = plan(inputs(), inputs());
  assert.equal(p.summary.build, 0);
  assert.ok(p.nodes.every((n) => n.reasons.length === 0));
});

test('a file changed in core: core and exactly its descendants rebuild, with reasons', () => {
  const now = inputs({ core: { files: { Dockerfile: '100644 aaa', 'app.txt': '100644 ccc', 'new.txt': '100644 ddd' } } });
  const p = plan(now, inputs());
  assert.equal(actions(p), { base: 'skip', core: 'build', rt: 'build', web: 'build', report: 'build', site: 'build' });
  assert.equal(reasons(p, 'core'), [{ kind: 'files-changed', paths: ['app.txt', 'new.txt'], added: ['new.txt'], removed: [], modified: ['app.txt'] }]);
  assert.equal(reasons(p, 'web'), [{ kind: 'parent-rebuilt', parent: 'core' }]);
  assert.equal(reasons(p, 'site'), [{ kind: 'parent-rebuilt', parent: 'web' }]);
});

test('a change in one middleware leaves its sibling subtree alone', () => {
  const p = plan(inputs({ rt: { args: { MODE: 'x' } } }), inputs());
  assert.equal(actions(p), { base: 'skip', core: 'skip', rt: 'build', web: 'skip', report: 'build', site: 'skip' });
  assert.equal(reasons(p, 'rt'), [{ kind: 'args-changed', args: ['MODE'] }]);
});

test('version change and base moved are typed reasons', () => {
  const v = plan(inputs({ site: { version: '1.1.0' } }), inputs());
  assert.equal(reasons(v, 'site'), [{ kind: 'version-changed', from: '1.0.0', to: '1.1.0' }]);
  const moved = plan(inputs({}, 'sha256:b2'), inputs());
  assert.equal(reasons(moved, 'core'), [{ kind: 'base-moved', parent: 'base', from: 'sha256:base-' + computeFingerprints(graph, inputs()).base?.slice(0, 6), to: 'sha256:b2' }]);
  assert.equal(moved.summary.build, 5);
});

test('an image deleted from the store: image-missing, descendants follow', () => {
  const was = inputs();
  const fingerprints = computeFingerprints(graph, was);
  const { records } = builtWorld(was);
  const images: Record<string, StoredImage | undefined> = { base: { id: 'b' }, core: { id: 'c' }, web: undefined, rt: { id: 'r' }, site: { id: 's' }, report: { id: 'x' } };
  const p = assemblePlan({ chain: config, graph, targets: [], force: new Set(), inputs: was, fingerprints, ...stores(images, fingerprints), records });
  assert.equal(reasons(p, 'web'), [{ kind: 'image-missing', store: 'the local engine' }]);
  assert.equal(actions(p), { base: 'skip', core: 'skip', rt: 'skip', web: 'build', report: 'skip', site: 'build' });
});

test('naming nodes limits the plan to them and what they need', () => {
  const p = plan(inputs(), undefined, { targets: ['site'] });
  assert.equal(p.nodes.map((n) => n.name), ['base', 'core', 'web', 'site']);
});

test('--since selects the touched nodes, their descendants, and what those need', () => {
  assert.equal(selectNodes(graph, [], ['rt']), ['base', 'core', 'report', 'rt']);
  assert.equal(selectNodes(graph, ['site'], ['rt']), [], 'named nodes narrow it further');
  assert.equal(selectNodes(graph, [], []), [], 'nothing touched, nothing selected');
  assert.equal(selectNodes(graph, []), ['base', 'core', 'report', 'rt', 'site', 'web']);
});

test('a parent version outside the range a child accepts holds the child for its team, and what is built on it', () => {
  const web = { ...(config.nodes.web as ChainNode), version: '2.0.0' } as ChainNode;
  const site = { ...(config.nodes.site as ChainNode), from: [{ node: 'web', range: '^1' }] } as ChainNode;
  const held: ChainConfig = { ...config, nodes: { ...config.nodes, web, site } };
  const now = inputs({ web: { version: '2.0.0' } });
  const p = assemblePlan({ chain: held, graph, targets: [], force: new Set(), inputs: now, ...withStores(now, { base: { id: 'b' } }), records: {} });
  assert.is(p.nodes.find((n) => n.name === 'web')?.action, 'build');
  assert.equal(p.nodes.find((n) => n.name === 'site')?.reasons, [{ kind: 'needs-consent', parent: 'web', range: '^1', version: '2.0.0', owner: 'web' }]);
  assert.is(p.nodes.find((n) => n.name === 'site')?.action, 'hold');
  assert.is(p.summary.hold, 1);
});

test('forced nodes rebuild even when up to date', () => {
  const p = plan(inputs(), inputs(), { force: ['web'] });
  assert.equal(reasons(p, 'web'), [{ kind: 'forced' }]);
  assert.equal(reasons(p, 'site'), [{ kind: 'parent-rebuilt', parent: 'web' }]);
  assert.is(p.summary.build, 2);
});

test('fingerprints: a change moves exactly the node and its descendants', () => {
  const a = computeFingerprints(graph, inputs());
  const b = computeFingerprints(graph, inputs({ rt: { version: '1.0.1' } }));
  const moved = Object.keys(a).filter((n) => a[n] !== b[n]).sort();
  assert.equal(moved, ['report', 'rt']);
});

test('fingerprints do not depend on key order', () => {
  const a = computeFingerprints(graph, inputs({ core: { files: { 'x': '1', 'y': '2' }, args: { A: '1', B: '2' } } }));
  const b = computeFingerprints(graph, inputs({ core: { files: { 'y': '2', 'x': '1' }, args: { B: '2', A: '1' } } }));
  assert.equal(a, b);
});

test('the planner decides which image satisfies a node: the whole fingerprint, custody recorded, and the registry when there is one', () => {
  const fingerprints = computeFingerprints(graph, inputs());
  const fp = fingerprints.core as string;
  const tag = `acme/core:${fingerprintTag(fp)}`;
  const observed = (local: [string, TaggedImage][], tagged?: Record<string, RemoteTagged>) => ({
    chain: config,
    externals: { base: { id: 'sha256:base' } },
    store: { reachable: true, local: new Map(local), ...(tagged ? { registry: { name: 'reg:5000/acme', tagged, released: {} } } : {}) },
  });
  const attested = { id: 'sha256:c', fingerprint: fp, attested: true };
  assert.equal(satisfying('core', fp, observed([[tag, attested]])), { id: 'sha256:c' });
  // The tag holds 12 hex digits: an image whose label carries another fingerprint does not count.
  assert.is(satisfying('core', fp, observed([[tag, { ...attested, fingerprint: `${fp.slice(0, 12)}${'0'.repeat(52)}` }]])), undefined);
  // No current image without custody: an image no provenance record is about does not count.
  assert.is(satisfying('core', fp, observed([[tag, { ...attested, attested: false }]])), undefined);
  assert.equal(satisfying('base', 'x', observed([])), { id: 'sha256:base' });
  // With a registry, the registry decides: a local image alone is not enough, a registry one is.
  assert.is(satisfying('core', fp, observed([[tag, attested]], {})), undefined);
  const digest = 'reg:5000/acme/core@sha256:d';
  assert.equal(satisfying('core', fp, observed([[tag, attested]], { core: { digest, fingerprint: fp, attested: true } })), { id: 'sha256:c', digest });
  assert.equal(satisfying('core', fp, observed([], { core: { digest, fingerprint: fp, attested: true } })), { digest });
  assert.is(satisfying('core', fp, observed([], { core: { digest, fingerprint: fp, attested: false } })), undefined);
  assert.is(satisfying('core', fp, observed([], { core: { digest, fingerprint: 'other', attested: true } })), undefined);
});

test('an image without custody is rebuilt, and the plan says why, naming the store', () => {
  const now = inputs();
  const fingerprints = computeFingerprints(graph, now);
  const { records } = builtWorld(now);
  const tagged = Object.fromEntries(['core', 'web', 'rt', 'site', 'report'].map((n) => [n, { digest: `reg/acme/${n}@sha256:${n}`, fingerprint: fingerprints[n] as string, attested: n !== 'web' }]));
  const p = assemblePlan({ chain: config, graph, targets: [], force: new Set(), inputs: now, fingerprints, externals: { base: { id: 'b' } }, store: { reachable: true, local: new Map(), registry: { name: 'reg/acme', tagged, released: { core: 'sha256:core1', web: 'sha256:web1' } } }, records });
  assert.equal(actions(p), { base: 'skip', core: 'skip', web: 'build', rt: 'skip', site: 'build', report: 'skip' });
  assert.equal(reasons(p, 'web'), [{ kind: 'unattested', store: 'the registry reg/acme' }]);
  assert.equal(reasons(p, 'site'), [{ kind: 'parent-rebuilt', parent: 'web' }]);
  // web's version tag exists in the registry and web is rebuilt: the tag would move; core's would not.
  assert.equal(p.nodes.find((n) => n.name === 'web')?.release, { tag: 'acme/web:1.0.0', registry: 'sha256:web1', moves: true });
  assert.equal(p.nodes.find((n) => n.name === 'core')?.release, { tag: 'acme/core:1.0.0', registry: 'sha256:core1', moves: false });
  assert.equal(p.nodes.find((n) => n.name === 'site')?.release, { tag: 'acme/site:1.0.0', moves: false });
  // web's version tag exists in the registry and web is rebuilt: the tag would move; core's would not.
  assert.equal(p.nodes.find((n) => n.name === 'web')?.release, { tag: 'acme/web:1.0.0', registry: 'sha256:web1', moves: true });
  assert.equal(p.nodes.find((n) => n.name === 'core')?.release, { tag: 'acme/core:1.0.0', registry: 'sha256:core1', moves: false });
  assert.equal(p.nodes.find((n) => n.name === 'site')?.release, { tag: 'acme/site:1.0.0', moves: false });
});

test.run();
