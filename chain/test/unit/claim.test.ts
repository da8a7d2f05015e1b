/**
 * One image per fingerprint: the claim protocol raced against an in-memory registry on a virtual
 * clock (every runner goes as far as it can, then time moves to the next timer, so each race
 * runs the same way every time); writes retried on HTTP 500 and only then; the staging tag is
 * no release.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClaimOps } from '../../core/claim.js';
import { chainGraph } from '../../core/graph.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';
import { releaseTags } from '../../core/prune.js';
import type { Plan } from '../../core/plan.js';
import type { DockerEngine } from '../../adapters/docker.js';
import type { ProvenanceStore } from '../../adapters/provenance-store.js';
import { RegistryClient } from '../../adapters/registry.js';
import { isServerError, retryWhile } from '../../adapters/retry.js';
import { StateStore } from '../../adapters/state.js';
import type { BuildNodeFn, NodeBuild } from '../../exec/build-types.js';
import { claimFingerprint, type Claim, type ClaimTimings } from '../../exec/claim.js';
import { executePlan } from '../../exec/run.js';

const FP = 'f'.repeat(64);

function virtualClock() {
  let now = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  const timings: ClaimTimings = {
    settleMs: 1000,
    pollMs: 250,
    claimTimeoutMs: 20_000,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    now: () => now,
  };
  /** Runs the racers to their end: each goes as far as it can, then time moves to the earliest timer. */
  async function race<T>(racers: Promise<T>[]): Promise<T[]> {
    let done = false;
    const all = Promise.all(racers).finally(() => (done = true));
    all.catch(() => undefined);
    while (!done) {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (!next) throw new Error('no racer is waiting on time, and not all are done');
      now = next.at;
      next.resolve();
    }
    return all;
  }
  return { timings, race, now: () => now };
}

/** One repository's fingerprint tag, the fingerprint label of each image, and the attestations. */
function memoryRegistry() {
  const state = { tag: undefined as string | undefined, labels: new Map<string, string>(), attestations: new Map<string, Buffer>(), writes: [] as string[] };
  /** A runner's view: its own image (pushed, labelled) and, optionally, a pause between its read and its write. */
  const runner = (ours: string, opts: { fingerprint?: string; beforeWrite?: () => Promise<void> } = {}): ClaimOps => {
    state.labels.set(ours, opts.fingerprint ?? FP);
    return {
      read: async () => {
        const digest = state.tag;
        const fingerprint = digest ? state.labels.get(digest) : undefined;
        return digest ? { digest, ...(fingerprint ? { fingerprint } : {}) } : undefined;
      },
      write: async () => {
        await opts.beforeWrite?.();
        state.writes.push(ours);
        state.tag = ours;
      },
      attestation: async (digest) => state.attestations.get(digest),
    };
  };
  return { state, runner };
}

/** A runner as build-node is one: claim; when it owns, attest (after recording, ~300 ms), then confirm. */
async function runner(ops: ClaimOps, ours: string, registry: ReturnType<typeof memoryRegistry>, timings: ClaimTimings, replace = false): Promise<Claim> {
  const claimed = await claimFingerprint(ops, { ours, fingerprint: FP, replace }, timings);
  if (claimed.kind === 'adopt') return claimed;
  await timings.sleep(300);
  registry.state.attestations.set(ours, Buffer.from(`attestation of ${ours}`));
  return claimFingerprint(ops, { ours, fingerprint: FP }, timings);
}

test('two runners that both find the tag empty: the last writer owns the fingerprint, the other adopts its image', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  const [a, b] = await clock.race([runner(registry.runner('sha256:a'), 'sha256:a', registry, clock.timings), runner(registry.runner('sha256:b'), 'sha256:b', registry, clock.timings)]);
  assert.equal(registry.state.writes, ['sha256:a', 'sha256:b'], 'both read the tag empty, both wrote');
  assert.equal(b, { kind: 'own' });
  assert.equal(a, { kind: 'adopt', digest: 'sha256:b', attestation: Buffer.from('attestation of sha256:b') });
  assert.is(registry.state.tag, 'sha256:b');
  assert.equal([...registry.state.attestations.keys()], ['sha256:b'], 'one attestation: the owner');
});

test('a runner that finds another runner claim waits for its attestation and adopts it, writing nothing', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  registry.runner('sha256:first');
  registry.state.tag = 'sha256:first';
  const late = (async () => {
    await clock.timings.sleep(3000);
    registry.state.attestations.set('sha256:first', Buffer.from('signed'));
  })();
  const [claimed] = await clock.race<Claim | void>([claimFingerprint(registry.runner('sha256:c'), { ours: 'sha256:c', fingerprint: FP }, clock.timings), late]);
  assert.equal(claimed, { kind: 'adopt', digest: 'sha256:first', attestation: Buffer.from('signed') });
  assert.equal(registry.state.writes, []);
  assert.is(clock.now(), 3000);
});

test('a dead claim (no attestation within the claim timeout) is taken over', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  registry.runner('sha256:dead');
  registry.state.tag = 'sha256:dead';
  const [claimed] = await clock.race([claimFingerprint(registry.runner('sha256:c'), { ours: 'sha256:c', fingerprint: FP }, clock.timings)]);
  assert.equal(claimed, { kind: 'own' });
  assert.is(registry.state.tag, 'sha256:c');
  assert.ok(clock.now() >= 21_000, `waited the claim timeout, then the settle time (${clock.now()} ms)`);
  assert.ok(clock.now() < 22_000);
});

test('a tag that names our image is ours; one whose image carries another fingerprint is no claim', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  const ops = registry.runner('sha256:c');
  registry.state.tag = 'sha256:c';
  assert.equal((await clock.race([claimFingerprint(ops, { ours: 'sha256:c', fingerprint: FP }, clock.timings)]))[0], { kind: 'own' });
  assert.equal(registry.state.writes, []);
  registry.runner('sha256:other', { fingerprint: `${FP.slice(0, 12)}${'0'.repeat(52)}` });
  registry.state.tag = 'sha256:other';
  assert.equal((await clock.race([claimFingerprint(ops, { ours: 'sha256:c', fingerprint: FP }, clock.timings)]))[0], { kind: 'own' });
  assert.equal(registry.state.writes, ['sha256:c']);
});

test('a forced rebuild replaces the image the tag held; an ordinary one adopts it', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  registry.runner('sha256:old');
  registry.state.tag = 'sha256:old';
  registry.state.attestations.set('sha256:old', Buffer.from('old'));
  const [ordinary] = await clock.race([claimFingerprint(registry.runner('sha256:new'), { ours: 'sha256:new', fingerprint: FP }, clock.timings)]);
  assert.is(ordinary?.kind, 'adopt');
  const [forced] = await clock.race([runner(registry.runner('sha256:new'), 'sha256:new', registry, clock.timings, true)]);
  assert.equal(forced, { kind: 'own' });
  assert.is(registry.state.tag, 'sha256:new');
});

test('a slow writer that overwrote the tag after our settle time: our confirmation adopts its image', async () => {
  const clock = virtualClock();
  const registry = memoryRegistry();
  // b reads the tag empty with a, but writes 1.2 s later: after a read its own claim back, before a confirmed.
  const slow = registry.runner('sha256:b', { beforeWrite: () => clock.timings.sleep(1200) });
  const [a, b] = await clock.race([runner(registry.runner('sha256:a'), 'sha256:a', registry, clock.timings), runner(slow, 'sha256:b', registry, clock.timings)]);
  assert.equal(b, { kind: 'own' });
  assert.equal(a, { kind: 'adopt', digest: 'sha256:b', attestation: Buffer.from('attestation of sha256:b') });
  assert.is(registry.state.tag, 'sha256:b');
});

test('registry writes are retried on HTTP 500 only, a bounded number of times', async () => {
  const answers: number[] = [];
  const client = (statuses: number[]) => {
    answers.length = 0;
    const impl = async (_url: string | URL | Request, init?: RequestInit) => {
      const status = statuses[Math.min(answers.length, statuses.length - 1)] as number;
      answers.push(status);
      return new Response(status === 201 ? null : 'x', { status, headers: init?.method === 'PUT' && status === 201 ? { 'docker-content-digest': 'sha256:m' } : {} });
    };
    return new RegistryClient('127.0.0.1:1', undefined, impl as typeof fetch, { attempts: 4, delayMs: 1 });
  };
  const put = (c: RegistryClient) => c.putManifest('acme/core', 'fp-1', 'application/vnd.oci.image.manifest.v1+json', Buffer.from('{}'));
  assert.is(await put(client([500, 500, 201])), 'sha256:m');
  assert.equal(answers, [500, 500, 201]);
  await put(client([500])).then(() => assert.unreachable('four 500s fail'), (err: Error) => assert.match(err.message, /HTTP 500 storing acme\/core:fp-1/));
  assert.equal(answers, [500, 500, 500, 500]);
  await put(client([400, 201])).then(() => assert.unreachable('a 400 is final'), (err: Error) => assert.match(err.message, /HTTP 400/));
  assert.equal(answers, [400]);
  await put(client([503, 201])).catch(() => undefined);
  assert.equal(answers, [503], 'only 500 is retried');
});

test("the engine's words for a registry's 500 are retried; other push failures are final", async () => {
  assert.ok(isServerError('received unexpected HTTP status: 500 Internal Server Error'));
  assert.not.ok(isServerError('received unexpected HTTP status: 502 Bad Gateway'));
  assert.not.ok(isServerError('denied: requested access to the resource is denied'));
  const tries: string[] = [];
  const results = ['received unexpected HTTP status: 500 Internal Server Error', undefined];
  const pushed = await retryWhile(async () => (tries.push('push'), results[tries.length - 1]), (error) => error !== undefined && isServerError(error), { attempts: 3, delayMs: 1 });
  assert.is(pushed, undefined);
  assert.is(tries.length, 2);
});

test('the staging tag protects no image from chain prune', () => {
  assert.equal(releaseTags(['r/acme/core:fp-0123456789ab', 'r/acme/core:chain-staging', 'r/acme/core:1.0.0']), ['r/acme/core:1.0.0']);
});

test("an adopted image is the node's: its children build on it", async () => {
  const built = (name: string, from: string[]): ChainNode => ({ kind: 'built', name, tier: 'core', owner: 'ops', from: from.map((node) => ({ node })), path: name, dockerfile: 'Dockerfile', args: {}, secretArgs: [], test: [] });
  const config: ChainConfig = {
    root: '/repo', file: '/repo/chain.yaml', name: 'acme', teams: {}, tiers: ['base', 'core'], concurrency: {}, admins: [], trustedKeys: [],
    nodes: { base: { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'b:1' }, core: built('core', ['base']), web: built('web', ['core']) },
  };
  const graph = chainGraph(config);
  const nodes = ['base', 'core', 'web'].map((name) => ({
    name, tier: 'core', owner: 'ops', kind: name === 'base' ? ('external' as const) : ('built' as const), action: name === 'base' ? ('skip' as const) : ('build' as const),
    wave: 0, parents: graph.parents(name), fingerprint: `fp${name}`, reasons: [], ...(name === 'base' ? { image: { id: 'sha256:base' } } : {}),
  }));
  const plan: Plan = { chain: 'acme', storeReachable: true, nodes, waves: [], summary: { build: 2, rebase: 0, skip: 0, hold: 0, external: 1, owners: [], byOwner: {} } };
  const seen: NodeBuild[] = [];
  const theirs = 'r/acme/core@sha256:theirs';
  const buildNode: BuildNodeFn = async (b) => {
    seen.push(b);
    return b.node.name === 'core' ? { imageId: 'sha256:theirs-id', digest: theirs, tags: [], log: '', adopted: true } : { imageId: 'sha256:web', tags: [], log: '' };
  };
  const summary = await executePlan({
    plan, inputs: { config, dockerfiles: {}, graph, snapshots: {}, inputs: {}, fingerprints: {} }, engine: { tag: async () => undefined } as unknown as DockerEngine,
    state: new StateStore('/nonexistent'), observer: { onEvent: () => undefined }, provenance: { store: {} as ProvenanceStore, buildId: 'B', builder: { chain: 't' } }, jobs: 2, buildNode,
  });
  assert.equal(summary.nodes.find((r) => r.name === 'core')?.adopted, true);
  assert.equal(seen.find((b) => b.node.name === 'web')?.parents, { core: { id: 'sha256:theirs-id', digest: theirs } });
});

test.run();
