/**
 * The image-store check's two ways against the real engine: one list call and exact lookups of
 * the planner's tags observe the same images for the example chain (built, then partly stale),
 * through the thin reader and through dockerode, and so plan the same.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { engineLocation, type EngineEndpoint } from '../../adapters/engine-host.js';
import { HttpEngineReader } from '../../adapters/engine-http.js';
import type { EngineReader } from '../../adapters/engine.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { registryClients } from '../../adapters/registry.js';
import { StateStore } from '../../adapters/state.js';
import { GitRepo } from '../../adapters/git.js';
import { openChain } from '../../app/open.js';
import { chainGraph } from '../../core/graph.js';
import { assemblePlan, selectNodes } from '../../core/plan.js';
import { readWorld, startGitRead } from '../../world/read.js';
import { lookedUpTags } from '../../world/engine-store.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli } from '../helpers.js';
import { runBundle } from '../module-hook.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain('es');
const it = suite('engine store: list or exact lookups');

async function observe(reader: EngineReader, how: 'list' | 'inspect') {
  const loaded = await openChain(path.join(dir, 'chain.yaml'));
  const graph = chainGraph(loaded.config);
  const selected = selectNodes(graph, []);
  const deps = { engine: reader, state: new StateStore(dir), provenance: new ProvenanceStore(dir), registry: registryClients(() => undefined), storeRead: how };
  const world = await readWorld(loaded, graph, selected, deps, { git: startGitRead(new GitRepo(dir)) });
  const tags = lookedUpTags(loaded.config, selected, world.fingerprints);
  const local = Object.fromEntries(tags.map((t) => [t, world.store.local.get(t)]));
  const plan = assemblePlan({ ...world, chain: loaded.config, targets: [], force: new Set() });
  return { local, plan, tags };
}

async function sameBothWays(): Promise<{ found: number; building: number }> {
  const thin = new HttpEngineReader(engineLocation(process.env) as EngineEndpoint);
  const ways = [await observe(thin, 'list'), await observe(thin, 'inspect'), await observe(engine, 'list'), await observe(engine, 'inspect')];
  const [first, ...rest] = ways;
  for (const other of rest) {
    assert.equal(other.local, first?.local);
    assert.equal(other.plan, first?.plan);
  }
  return { found: Object.values(first?.local ?? {}).filter(Boolean).length, building: first?.plan.nodes.filter((n) => n.action === 'build').length ?? -1 };
}

it.before(async () => {
  await engine.ping();
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('nothing built: both ways find nothing', async () => {
  assert.equal(await sameBothWays(), { found: 0, building: 6 });
});

it('built: both ways find every fingerprint and version tag, and plan nothing', async () => {
  const r = await runCli(['build', '--json'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  assert.equal(await sameBothWays(), { found: 12, building: 0 });
});

it('a build with nothing to build reads the engine without loading dockerode (the bundle, as users run it)', async () => {
  const r = await runBundle(['build', '--json'], dir);
  assert.is(r.code, 0, r.err);
  assert.ok(r.loaded.length > 0 && !r.loaded.includes('dockerode'), r.loaded.join(' '));
});

it('an edit: both ways see the same stale fingerprints and version tags', async () => {
  appendFileSync(path.join(dir, 'layers/middleware/httpd/Dockerfile'), '# edited\n');
  git(dir, 'commit', '-qam', 'edit httpd');
  const seen = await sameBothWays();
  assert.ok(seen.building > 0 && seen.found > 0 && seen.found < 12, JSON.stringify(seen));
});

it.run();
