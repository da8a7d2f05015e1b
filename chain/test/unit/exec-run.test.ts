/** The executor's scheduling on in-memory state: a fake node build and a fake engine, no Docker. */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chainGraph } from '../../core/graph.js';
import { ChainError, ExitCode, problem } from '../../core/errors.js';
import type { StoredImage } from '../../core/inputs.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';
import type { Action, Plan } from '../../core/plan.js';
import type { DockerEngine } from '../../adapters/docker.js';
import type { ProvenanceStore } from '../../adapters/provenance-store.js';
import { StateStore } from '../../adapters/state.js';
import type { BuildNodeFn, NodeBuild } from '../../exec/build-types.js';
import type { BuildEvent, BuildSummary } from '../../exec/events.js';
import { TestFailedError } from '../../exec/node-tests.js';
import { executePlan, type ExecuteOptions } from '../../exec/run.js';

function built(name: string, tier: string, from: string[]): ChainNode {
  return { kind: 'built', name, tier, owner: `team-${name}`, from: from.map((node) => ({ node })), path: name, dockerfile: 'Dockerfile', version: '1.0.0', args: {}, secretArgs: [], test: [] };
}

/** base (external) -> core -> web, rt, docs; web + rt -> site */
const config: ChainConfig = {
  root: '/repo', file: '/repo/chain.yaml', name: 'acme', teams: {}, tiers: ['base', 'core', 'middleware', 'app'], concurrency: {}, admins: [], trustedKeys: [],
  nodes: {
    base: { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'vendor/base:1' },
    core: built('core', 'core', ['base']),
    web: built('web', 'middleware', ['core']),
    rt: built('rt', 'middleware', ['core']),
    docs: built('docs', 'middleware', ['core']),
    site: built('site', 'app', ['web', 'rt']),
  },
};
const graph = chainGraph(config);
const ORDER = ['base', 'core', 'web', 'rt', 'docs', 'site'];

/** Every built node builds unless told otherwise; the base is found. */
function planOf(actions: Record<string, Action> = {}, images: Record<string, StoredImage> = { base: { id: 'sha256:base' } }): Plan {
  const nodes = ORDER.map((name) => {
    const node = config.nodes[name] as ChainNode;
    const action = actions[name] ?? (node.kind === 'built' ? 'build' : 'skip');
    const image = images[name];
    return { name, tier: node.tier, owner: node.owner, kind: node.kind, action, wave: 0, parents: graph.parents(name), fingerprint: `fp${name}`, ...(image ? { image } : {}), reasons: [] };
  });
  return { chain: 'acme', storeReachable: true, nodes, waves: [], summary: { build: 0, rebase: 0, skip: 0, hold: 0, external: 1, owners: [], byOwner: {} } };
}

/** An engine that only tags, pushes and pulls, in memory. */
function fakeEngine() {
  const calls: string[] = [];
  const engine = {
    tag: async (id: string, repo: string, tag: string) => void calls.push(`tag ${repo}:${tag} ${id}`),
    push: async (repo: string, tag: string) => (calls.push(`push ${repo}:${tag}`), 'sha256:pushed'),
    pull: async (ref: string) => (calls.push(`pull ${ref}`), 'sha256:pulled'),
  };
  return { calls, engine: engine as unknown as DockerEngine };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

/** A node build that takes a few ticks, fails where told, and sees cancellation like the engine does. */
function fakeBuild(failures: Record<string, () => Error> = {}, seen: NodeBuild[] = []): BuildNodeFn & { maxRunning: () => number } {
  let running = 0;
  let most = 0;
  const build = async (nodeBuild: NodeBuild) => {
    seen.push(nodeBuild);
    most = Math.max(most, ++running);
    try {
      // A failing node fails after one tick, while its siblings still run: they see the stop.
      const failure = failures[nodeBuild.node.name];
      for (let i = 0; i < (failure ? 1 : 3); i++) {
        await tick();
        if (nodeBuild.signal?.aborted) throw new Error('the engine cancelled the build');
      }
      if (failure) throw failure();
      return { imageId: `sha256:${nodeBuild.node.name}`, tags: [`acme/${nodeBuild.node.name}:fp`], log: `${nodeBuild.node.name}.log` };
    } finally {
      running -= 1;
    }
  };
  return Object.assign(build, { maxRunning: () => most });
}

async function execute(overrides: Partial<ExecuteOptions> & { plan?: Plan } = {}) {
  const events: BuildEvent[] = [];
  const { calls, engine } = fakeEngine();
  const buildNode = overrides.buildNode ?? fakeBuild();
  const summary = await executePlan({
    plan: planOf(),
    inputs: { config, dockerfiles: {}, graph, snapshots: {}, inputs: {}, fingerprints: {} },
    engine,
    state: new StateStore('/nonexistent'),
    observer: { onEvent: (event) => events.push(event) },
    provenance: { store: {} as ProvenanceStore, buildId: 'B', builder: { chain: 'test' } },
    jobs: 4,
    ...overrides,
    buildNode,
  });
  return { summary, events, calls };
}

const statuses = (summary: BuildSummary) => Object.fromEntries(summary.nodes.map((result) => [result.name, result.status]));
const resultOf = (summary: BuildSummary, name: string) => summary.nodes.find((result) => result.name === name);
const failWith = (message: string) => () => new TestFailedError(message);

test('a node starts only once every parent has succeeded, within jobs', async () => {
  const buildNode = fakeBuild();
  const { summary, events } = await execute({ jobs: 2, buildNode });
  assert.equal(statuses(summary), { core: 'built', web: 'built', rt: 'built', docs: 'built', site: 'built' });
  const at = (type: string, node: string) => events.findIndex((event) => event.type === type && event.node === node);
  for (const name of ['web', 'rt', 'docs', 'site']) {
    for (const parent of graph.parents(name)) assert.ok(at('succeeded', parent) < at('queued', name), `${parent} before ${name}`);
    assert.ok(at('queued', name) < at('started', name));
  }
  assert.is(buildNode.maxRunning(), 2);
  assert.equal(resultOf(summary, 'site')?.tags, ['acme/site:fp', 'acme/site:1.0.0', 'acme/site:1.0.0-B']);
  assert.equal(summary.counts.built, 5);
  assert.is(summary.promoted, true);
});

test('a tier limit holds its tier to fewer builds at once than jobs', async () => {
  const buildNode = fakeBuild();
  await execute({ jobs: 4, tierLimits: { middleware: 1 }, buildNode });
  assert.is(buildNode.maxRunning(), 1);
});

test('a failure blocks only its descendants; other branches build and are promoted', async () => {
  const { summary, calls } = await execute({ buildNode: fakeBuild({ web: failWith('test 1 exited 3: false\nmore') }) });
  assert.equal(statuses(summary), { core: 'built', web: 'failed', rt: 'built', docs: 'built', site: 'blocked' });
  assert.is(resultOf(summary, 'web')?.error, 'test 1 exited 3: false');
  assert.is(resultOf(summary, 'site')?.blockedBy, 'web');
  assert.ok(calls.includes('tag acme/rt:1.0.0 sha256:rt'));
  assert.not.ok(calls.some((call) => call.startsWith('tag acme/web:')));
});

test('fail-fast cancels what has not started', async () => {
  // One build at a time: core's children start in name order, docs first.
  const { summary } = await execute({ jobs: 1, failFast: true, buildNode: fakeBuild({ docs: failWith('broken') }) });
  assert.equal(statuses(summary), { core: 'built', web: 'cancelled', rt: 'cancelled', docs: 'failed', site: 'cancelled' });
});

test('fail-fast: the running siblings of a failed node are cancelled, its descendants blocked', async () => {
  const { summary } = await execute({ failFast: true, buildNode: fakeBuild({ web: failWith('broken') }) });
  assert.equal(statuses(summary), { core: 'built', web: 'failed', rt: 'cancelled', docs: 'cancelled', site: 'blocked' });
});

test('held nodes are reported; an up-to-date image never promoted is promoted at the end', async () => {
  const plan = planOf({ core: 'skip', rt: 'skip', docs: 'hold' }, { base: { id: 'sha256:base' }, core: { id: 'sha256:core' }, rt: { id: 'sha256:rt' } });
  for (const planned of plan.nodes) if (planned.name === 'core' || planned.name === 'rt') planned.release = { tag: `acme/${planned.name}:1.0.0`, moves: false };
  (plan.nodes.find((n) => n.name === 'rt')?.release as { local?: string }).local = 'sha256:rt';
  const { summary, calls } = await execute({ plan });
  assert.equal(statuses(summary), { core: 'up-to-date', web: 'built', rt: 'up-to-date', docs: 'held', site: 'built' });
  assert.is(resultOf(summary, 'docs')?.held, 'held');
  assert.equal(resultOf(summary, 'core')?.tags, ['acme/core:1.0.0', 'acme/core:1.0.0-B']);
  assert.not.ok(calls.some((call) => call.startsWith('tag acme/rt:')), 'rt is promoted already');
});

test('a node whose external base is in no store fails and blocks its descendants', async () => {
  const { summary } = await execute({ plan: planOf({}, {}) });
  assert.equal(statuses(summary), { core: 'failed', web: 'blocked', rt: 'blocked', docs: 'blocked', site: 'blocked' });
  assert.match(summary.nodes[0]?.error ?? '', /base image vendor\/base:1 \(node base\) is not in the image store/);
});

test('an engine that goes away fails the node, cancels the rest and promotes nothing more', async () => {
  const lost = () => new ChainError([problem('E_ENGINE_UNREACHABLE', 'cannot reach the Docker Engine (gone)')], ExitCode.environment);
  const { summary } = await execute({ atomic: true, buildNode: fakeBuild({ web: lost }) });
  assert.is(summary.engineLost, true);
  assert.equal(statuses(summary), { core: 'built', web: 'failed', rt: 'cancelled', docs: 'cancelled', site: 'cancelled' });
  assert.is(resultOf(summary, 'web')?.error, 'the Docker Engine went away: cannot reach the Docker Engine (gone)');
  assert.equal(resultOf(summary, 'core')?.tags, ['acme/core:fp']);
});

test('a registry error fails the node and marks the run', async () => {
  const down = () => new ChainError([problem('E_REGISTRY_UNREACHABLE', 'cannot reach the registry r:5000 (refused)')], ExitCode.registry);
  const { summary } = await execute({ buildNode: fakeBuild({ docs: down }) });
  assert.is(summary.registryFailed, true);
  assert.is(statuses(summary).docs, 'failed');
  assert.is(summary.engineLost, false);
});

test('atomic: nothing is promoted unless every node succeeded', async () => {
  const failed = await execute({ atomic: true, buildNode: fakeBuild({ docs: failWith('broken') }) });
  assert.is(failed.summary.promoted, false);
  assert.not.ok(failed.calls.some((call) => call.includes(':1.0.0')));
  const passed = await execute({ atomic: true });
  assert.is(passed.summary.promoted, true);
  assert.equal(resultOf(passed.summary, 'site')?.tags, ['acme/site:fp', 'acme/site:1.0.0', 'acme/site:1.0.0-B']);
});

test('a parent known only by its registry digest is pulled when the child first needs it in the engine, once', async () => {
  const seen: NodeBuild[] = [];
  const digest = '127.0.0.1:5000/acme/core@sha256:abc';
  const plan = planOf({ core: 'skip', rt: 'skip', docs: 'skip', site: 'skip' }, { base: { id: 'sha256:base' }, core: { digest } });
  const locals: unknown[] = [];
  const inner = fakeBuild({}, seen);
  const buildNode: BuildNodeFn = async (b) => {
    locals.push(await b.localParents(), await b.localParents());
    return inner(b);
  };
  const { calls } = await execute({ plan, buildNode });
  assert.equal(calls.filter((call) => call.startsWith('pull ')), [`pull ${digest}`]);
  assert.equal(seen[0]?.parents, { core: { digest } }, 'given as stored: nothing is pulled before the build asks');
  assert.equal(locals, [{ core: { id: 'sha256:pulled', digest } }, { core: { id: 'sha256:pulled', digest } }]);
});

test('an image made in the registry only (a rebase with no tests) reaches its children by digest and is tagged in the registry alone', async () => {
  const seen: NodeBuild[] = [];
  const inner = fakeBuild({}, seen);
  const digestOf = (name: string) => `r:5000/acme/${name}@sha256:${createHash('sha256').update(name).digest('hex')}`;
  const buildNode: BuildNodeFn = async (b) => ({ ...(await inner(b)), digest: digestOf(b.node.name), ...(b.node.name === 'core' ? { remote: true as const } : {}) });
  const put: string[] = [];
  const registry = {
    host: 'r:5000',
    manifest: async (repository: string, reference: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from(`r:5000/${repository}@${reference}`) }),
    putManifest: async (repository: string, tag: string, _type: string, bytes: Buffer) => (put.push(`${repository}:${tag} ${bytes.toString()}`), bytes.toString().split('@')[1]),
  };
  const { summary, calls } = await execute({ plan: planOf({ rt: 'skip', docs: 'skip', site: 'skip' }, { base: { id: 'sha256:base' }, rt: { id: 'sha256:rt' }, docs: { id: 'sha256:docs' } }), buildNode, publish: { registry } as never });
  assert.equal(seen.find((b) => b.node.name === 'web')?.parents, { core: { digest: digestOf('core') } });
  assert.not.ok(calls.some((call) => call.startsWith('pull ') || call.includes(' sha256:core') || call.startsWith('push ')), calls.join('\n'));
  assert.ok(put.includes(`acme/core:1.0.0 ${digestOf('core')}`), put.join('\n'));
  assert.equal(resultOf(summary, 'core')?.tags, ['acme/core:fp', 'r:5000/acme/core:1.0.0', 'r:5000/acme/core:1.0.0-B']);
  assert.ok(calls.includes('tag acme/web:1.0.0 sha256:web'), 'an image the engine has is tagged there too');
  assert.ok(put.includes(`acme/web:1.0.0 ${digestOf('web')}`), 'and in the registry by its manifest, not pushed through the engine');
});

test('a node that yields its slot (waiting on the registry) lets the next one build within jobs', async () => {
  let release: () => void = () => undefined;
  const claimed = new Promise<void>((resolve) => (release = resolve));
  let first: string | undefined;
  const inner = fakeBuild();
  const buildNode: BuildNodeFn = async (b) => {
    if (first === undefined && b.node.name !== 'core') {
      first = b.node.name;
      b.yieldSlot?.();
      // The settle: a sibling must get the one slot meanwhile, or this node fails.
      await Promise.race([claimed, new Promise((_, reject) => setTimeout(() => reject(new TestFailedError(`${first} kept the slot`)), 1000))]);
    } else if (b.node.name !== 'core') release();
    return inner(b);
  };
  const { summary } = await execute({ jobs: 1, buildNode });
  assert.equal(statuses(summary), { core: 'built', web: 'built', rt: 'built', docs: 'built', site: 'built' });
});

test('an interrupt cancels the running build and everything after it; nothing is promoted', async () => {
  const interrupt = new AbortController();
  const buildNode: BuildNodeFn = async (nodeBuild) => {
    interrupt.abort();
    return fakeBuild()(nodeBuild);
  };
  const { summary, calls } = await execute({ signal: interrupt.signal, buildNode });
  assert.is(summary.interrupted, true);
  assert.equal(statuses(summary), { core: 'cancelled', web: 'cancelled', rt: 'cancelled', docs: 'cancelled', site: 'cancelled' });
  assert.equal(calls, []);
});

test('a bug in a node build stops the run and reaches the caller, never an unhandled rejection', async () => {
  const bug = new TypeError('a bug in chain');
  try {
    await execute({ buildNode: fakeBuild({ web: () => bug }) });
    assert.unreachable('executePlan must reject');
  } catch (err) {
    assert.is(err, bug);
  }
});

test('a bug in the only node to build still reaches the caller (the stop it causes cancels nothing left to finish the run)', async () => {
  const bug = new Error('buildkit: the .proto files are missing');
  const plan = planOf({ core: 'skip', rt: 'skip', docs: 'skip', site: 'skip' }, { base: { id: 'sha256:base' }, core: { id: 'sha256:core' }, rt: { id: 'sha256:rt' }, docs: { id: 'sha256:docs' }, site: { id: 'sha256:site' } });
  try {
    await execute({ plan, buildNode: fakeBuild({ web: () => bug }) });
    assert.unreachable('executePlan must reject');
  } catch (err) {
    assert.is(err, bug);
  }
});

test.run();
