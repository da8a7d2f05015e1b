/**
 * What a plan asks a real registry (Debian's docker-registry on loopback, behind a proxy that
 * records every request): against an empty registry, two requests per node (its fingerprint tag,
 * then its version tag, since the plan builds it); once a plan has read
 * the images of a chain that is up to date there, the next costs one request per node (its
 * fingerprint tag's manifest); a fingerprint tag moved to another image is seen on the next plan,
 * unattested and then attested; a node that is not up to date (or forced) still gets where its
 * version tag points. Rebase sources of a node that is not up to date are read as before:
 * rebase-registry.test.ts plans and rebases through the registry.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { RegistryClient } from '../../adapters/registry.js';
import { attestationTag } from '../../adapters/registry-images.js';
import type { Plan } from '../../core/plan.js';
import { exampleChainOn, jsonOf, removeChainImages, removeDirs, runCli, startRegistry, type TestRegistry } from '../helpers.js';
import { registryProxy, type RegistryProxy } from '../registry-proxy.js';

const engine = new DockerEngine();
const it = suite('registry facts');
let registry: TestRegistry;
let proxy: RegistryProxy;
let chain: { dir: string; name: string };

async function plan(...args: string[]): Promise<Plan> {
  return jsonOf<Plan>(await runCli(['plan', '--json', ...args], { cwd: chain.dir, engine }));
}
const built = (p: Plan) => p.nodes.filter((n) => n.kind === 'built');
const actions = (p: Plan) => Object.fromEntries(built(p).map((n) => [n.name, n.action]));

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  proxy = await registryProxy(registry.host);
  chain = exampleChainOn(proxy.host, 'rf');
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(chain.dir);
  await proxy.close();
  await registry.stop();
});

it('an empty registry: each node\'s fingerprint tag, then its version tag (the plan builds it)', async () => {
  proxy.take();
  const empty = await plan();
  assert.is(empty.summary.build, built(empty).length);
  const requests = proxy.take().sort();
  const tags = (n: Plan['nodes'][number]) => [`GET /v2/${chain.name}/${n.name}/manifests/fp-${n.fingerprint.slice(0, 12)}`, `HEAD /v2/${chain.name}/${n.name}/manifests/${n.release?.tag.split(':').at(-1)}`];
  assert.equal(requests, built(empty).flatMap(tags).sort());
  assert.ok(built(empty).every((n) => n.release?.registry === undefined));
});

it('a chain up to date in the registry: the first plan reads each image once, the next asks one request per node', async () => {
  const r = await runCli(['build', '--push'], { cwd: chain.dir, engine });
  assert.is(r.code, 0, r.err);
  proxy.take();
  const first = await plan();
  assert.is(first.summary.build, 0, JSON.stringify(actions(first)));
  const nodes = built(first);
  assert.ok(nodes.every((n) => n.image?.digest?.startsWith(`${proxy.host}/${chain.name}/${n.name}@sha256:`)), JSON.stringify(nodes.map((n) => n.image)));
  const firstRequests = proxy.take();
  // Each image's manifest, config and attestation; no tags list, no version tag (nothing is to be built).
  assert.is(firstRequests.length, 3 * nodes.length, firstRequests.join('\n'));
  const versionTags = nodes.map((n) => `/v2/${chain.name}/${n.name}/manifests/${n.release?.tag.split(':').at(-1)}`);
  assert.not.ok(firstRequests.some((q) => q.endsWith('/tags/list') || versionTags.some((v) => q.endsWith(v))), firstRequests.join('\n'));
  assert.ok(existsSync(path.join(chain.dir, '.chain', 'cache', 'registry.json')), 'what was learned is kept in the state folder');

  const second = await plan();
  assert.equal(actions(second), actions(first));
  assert.equal(built(second).map((n) => n.image), nodes.map((n) => n.image));
  const requests = proxy.take().sort();
  const expected = nodes.map((n) => `GET /v2/${chain.name}/${n.name}/manifests/fp-${n.fingerprint.slice(0, 12)}`).sort();
  assert.equal(requests, expected, 'one request per node: its fingerprint tag');
});

it('a fingerprint tag moved to another image is seen on the next plan; a node not up to date gets where its version tag points', async () => {
  const client = new RegistryClient(registry.host, undefined);
  const before = await plan();
  const report = built(before).find((n) => n.name === 'report');
  assert.ok(report?.release, 'report has a version');
  const repo = `${chain.name}/report`;
  const tag = `fp-${report.fingerprint.slice(0, 12)}`;
  const held = await client.manifest(repo, tag);
  assert.ok(held);
  // Another image of the same config (a manifest that differs only by an annotation), put under the tag by hand.
  const moved = await client.putManifest(repo, tag, held.mediaType, Buffer.from(JSON.stringify({ ...held.json, annotations: { 'dev.chain.test': 'moved' } })));
  assert.is.not(moved, held.digest);
  const version = await client.manifestDigest(repo, report.release.tag.split(':').at(-1) as string);
  assert.ok(version);

  proxy.take();
  const unattested = await plan();
  const seen = built(unattested).find((n) => n.name === 'report');
  assert.is(seen?.action, 'build', 'the image under its tag now has no attestation');
  assert.ok(seen?.reasons.some((r) => r.kind === 'unattested'), JSON.stringify(seen?.reasons));
  assert.equal([seen?.release?.tag, seen?.release?.registry, seen?.release?.moves], [report.release.tag, version, true], 'where its version tag points, and that the build would move it');
  const asked = proxy.take().filter((q) => q.includes('/report/'));
  assert.ok(asked.includes(`HEAD /v2/${repo}/manifests/${attestationTag(moved)}`), asked.join('\n'));
  assert.ok(asked.includes(`HEAD /v2/${repo}/manifests/${report.release.tag.split(':').at(-1)}`), asked.join('\n'));
  assert.equal(actions(unattested), { ...actions(before), report: 'build' });

  // Its attestation put beside it: current again, as the moved image.
  const att = await client.manifest(repo, attestationTag(held.digest));
  assert.ok(att);
  await client.putManifest(repo, attestationTag(moved), att.mediaType, att.bytes);
  const attested = await plan();
  assert.equal(actions(attested), actions(before));
  assert.is(built(attested).find((n) => n.name === 'report')?.image?.digest, `${proxy.host}/${repo}@${moved}`);
  assert.is(built(attested).find((n) => n.name === 'report')?.release?.registry, undefined, 'an up-to-date node: its version tag is not asked');
  proxy.take();
  await plan();
  assert.is(proxy.take().length, built(before).length, 'one request per node again');

  // --force asks for the version tag of what it would rebuild.
  const forced = await plan('--force', 'httpd');
  const httpd = built(forced).find((n) => n.name === 'httpd');
  assert.is(httpd?.action, 'build');
  assert.ok(httpd?.release?.registry?.startsWith('sha256:') && httpd.release.moves, JSON.stringify(httpd?.release));
});

it.run();
