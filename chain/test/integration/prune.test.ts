/**
 * `chain prune` against the real engine and registry: after three builds of httpd (a release,
 * a patch, a change), exactly the middle build's images of httpd and its descendants are listed,
 * a dry run changes nothing, --apply deletes them from the registry (manifest and attestation)
 * and the engine, a second --apply finds nothing, the current images are intact, and another
 * chain on the same registry and engine is untouched.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { RegistryClient } from '../../adapters/registry.js';
import { attestationTag } from '../../adapters/registry-images.js';
import { removeImageTags } from '../../adapters/engine-prune.js';
import type { PruneResult } from '../../app/prune.js';
import { command } from '../../cli/commands/prune.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import { chainImageLines } from './bystander.js';
import { exampleChainOn, removeChainImages, removeDirs, runCli, startRegistry, type TestRegistry } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('chain prune');
let registry: TestRegistry;
let client: RegistryClient;
const chains: { dir: string; name: string }[] = [];
const containers: string[] = [];

function chainOn(host: string): { dir: string; name: string } {
  const chain = exampleChainOn(host, 'prune');
  chains.push(chain);
  return chain;
}
const cli = (dir: string, ...args: string[]) => runCli(args, { cwd: dir, engine });
async function build(dir: string, ...targets: string[]): Promise<BuildSummary> {
  const r = await cli(dir, 'build', '--push', '--json', ...targets);
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as BuildSummary;
}
/** One run of chain prune --json, and its text rendering. */
async function prune(dir: string, ...args: string[]): Promise<{ text: string; data: PruneResult }> {
  const r = await cli(dir, 'prune', ...args, '--json');
  assert.is(r.code, 0, r.err);
  const data = JSON.parse(r.out) as PruneResult;
  return { data, text: command.render(data, { cwd: dir, opts: {} }) };
}
const lastLine = (text: string) => text.split('\n').at(-1);
/** A registry's tags of a chain's repositories, and the engine's images of the chain: what prune may change. */
async function stores(chain: { name: string }): Promise<string[]> {
  const tags = await Promise.all(['corebuild', 'httpd', 'runtime', 'site', 'docs', 'report'].map(async (n) => (await client.tags(`${chain.name}/${n}`)).sort().map((t) => `${n}:${t}`)));
  return [...tags.flat(), ...(await chainImageLines(engine, chain.name))];
}
/** Each pruned image as `store node id`, sorted. */
const listed = (r: PruneResult) => r.nodes.flatMap((n) => n.pruned.map((i) => `${i.store} ${n.node} ${i.id}`)).sort();

let mine: { dir: string; name: string };
let dir: string;
let other: { dir: string; name: string };
let otherBefore: string[];
let initial: BuildSummary;
let middle: BuildSummary;
let current: BuildSummary;

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  client = new RegistryClient(registry.host, undefined);
  // Another chain on the same registry and engine, with a stale image of its own.
  other = chainOn(registry.host);
  await build(other.dir, 'corebuild');
  appendFileSync(path.join(other.dir, 'layers/core/corebuild/etc/motd'), 'other chain change\n');
  await build(other.dir, 'corebuild');
  otherBefore = await stores(other);

  // This chain: a release (httpd 2.4.0), a patch (2.4.1), then a change to httpd (2.4.1 again).
  mine = chainOn(registry.host);
  dir = mine.dir;
  initial = await build(dir);
  assert.is((await cli(dir, 'patch', 'httpd', '--reason', 'prune test')).code, 0);
  middle = await build(dir);
  appendFileSync(path.join(dir, 'layers/middleware/httpd/www/index.html'), '<p>change</p>\n');
  current = await build(dir);
});

it.after(async () => {
  for (const id of containers) await engine.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  for (const c of chains) {
    await removeChainImages(engine, c.name);
    removeDirs(c.dir);
  }
  await registry.stop();
});

/** The middle build's images of httpd and its descendants: neither current nor released. */
function stale(store: 'registry' | 'engine'): string[] {
  return middle.nodes
    .filter((n) => n.status === 'built' && ['httpd', 'site', 'docs'].includes(n.name))
    .map((n) => `${store} ${n.name} ${store === 'registry' ? n.digest?.split('@')[1] : n.imageId}`);
}

it('lists exactly the images neither current, released nor among the newest N, and changes nothing', async () => {
  assert.equal(middle.nodes.filter((n) => n.status === 'built').map((n) => n.name).sort(), ['docs', 'httpd', 'site']);
  // The patch rebuilt httpd from the build cache, every step: its image is still the newer one.
  const created = async (s: BuildSummary) => Date.parse((await engine.created(s.nodes.find((n) => n.name === 'httpd')?.imageId as string)) ?? '');
  assert.ok((await created(middle)) > (await created(initial)), 'a patch build is newer than the build it repeats');
  const before = await stores(mine);
  const { text, data } = await prune(dir, '--keep', '1');
  assert.equal(listed(data), [...stale('registry'), ...stale('engine')].sort(), text);
  assert.ok(data.nodes.flatMap((n) => n.pruned).every((i) => i.outcome === 'to-prune'));
  const httpd = data.nodes.find((n) => n.node === 'httpd');
  const first = httpd?.kept.find((i) => i.store === 'registry' && i.tags.some((t) => t.endsWith(':2.4.0')));
  assert.equal(first?.why, ['release'], 'the first build keeps its version tag');
  const now = httpd?.kept.find((i) => i.store === 'registry' && i.why.includes('current'));
  assert.is(now?.id, current.nodes.find((n) => n.name === 'httpd')?.digest?.split('@')[1]);
  assert.match(text, /^6 images to prune \(dry run: chain prune --apply deletes them\)$/m);
  assert.equal(await stores(mine), before, 'a dry run deletes nothing');

  assert.is(lastLine((await prune(dir, '--keep', '2')).text), 'nothing to prune');
  assert.is(lastLine((await prune(dir)).text), 'nothing to prune', 'the default keeps 3');
  assert.equal(listed((await prune(dir, 'site', '--keep', '1')).data), stale('registry').concat(stale('engine')).filter((l) => l.includes(' site ')).sort());
});

it('an image a container uses is kept in the engine, which refuses to delete it', async () => {
  const site = middle.nodes.find((n) => n.name === 'site')?.imageId as string;
  const created = await engine.docker.createContainer({ Image: site, Cmd: ['true'], Labels: { 'dev.chain.test-prune': '1' } });
  containers.push(created.id);
  const { data } = await prune(dir, '--keep', '1');
  assert.not.ok(listed(data).includes(`engine site ${site}`));
  assert.equal(data.nodes.find((n) => n.node === 'site')?.kept.find((i) => i.id === site)?.why, ['in-use']);
  // Had the container come after the listing, the engine would refuse, and the fingerprint tag stay.
  const tags = (await engine.docker.getImage(site).inspect()).RepoTags;
  const removal = await removeImageTags(engine, site, tags);
  assert.is(removal.outcome, 'in-use');
  assert.match(removal.outcome === 'in-use' ? removal.detail : '', /container .* is using its referenced image/);
  const left = (await engine.docker.getImage(site).inspect()).RepoTags;
  assert.is(left.length, 1, left.join(' '));
  assert.match(left[0] ?? '', /:fp-[0-9a-f]{12}$/);
  await engine.docker.getContainer(created.id).remove();
});

it('--apply deletes them from the registry (with their attestations) and the engine; a second finds nothing', async () => {
  // A classic build is labelled by a config loaded over the unlabelled image it built (engine-label.ts):
  // a deleted image's unlabelled one goes with it, unless a kept image was made from it too.
  const sourceOf = async (id: string) => (await engine.docker.getImage(id).inspect()).Config?.Image ?? '';
  const planned = (await prune(dir, '--keep', '1')).data;
  const engineIds = (which: 'kept' | 'pruned') => planned.nodes.flatMap((n) => n[which].filter((i) => i.store === 'engine').map((i) => i.id));
  const keptSources = new Set(await Promise.all(engineIds('kept').map(sourceOf)));
  const prunedSources = await Promise.all(engineIds('pruned').map(sourceOf));
  const { text, data } = await prune(dir, '--keep', '1', '--apply');
  assert.is(lastLine(text), 'pruned 6 images', text);
  assert.ok(prunedSources.length > 0 && prunedSources.every((from) => from.startsWith('sha256:')), 'each was made from an unlabelled image');
  for (const from of prunedSources) {
    if (keptSources.has(from)) assert.ok(await engine.inspect(from), `${from}: a kept image was made from it too: it stays`);
    else assert.is(await engine.inspect(from), undefined, `${from}: the unlabelled image a deleted one was made from is gone too`);
  }
  assert.ok(prunedSources.some((from) => !keptSources.has(from)), 'at least one unlabelled image was removed');
  assert.ok(data.applied);
  assert.equal(listed(data), [...stale('registry'), ...stale('engine')].sort());
  assert.equal([...new Set(data.nodes.flatMap((n) => n.pruned.map((i) => i.outcome)))], ['deleted']);
  for (const n of middle.nodes.filter((x) => x.status === 'built')) {
    const [ref = '', digest = ''] = (n.digest ?? '').split('@');
    const repo = ref.slice(registry.host.length + 1);
    assert.is(await client.describe(repo, digest), undefined, `${n.name}: manifest HEAD is 404`);
    const tags = await client.tags(repo);
    assert.not.ok(tags.includes(attestationTag(digest)), `${n.name}: its attestation is gone`);
    assert.not.ok(tags.some((t) => t.includes(middle.buildId)), `${n.name}: its build-id tag went with it: ${tags.join(' ')}`);
    assert.is(await engine.inspect(n.imageId as string), undefined, `${n.name}: gone from the engine`);
  }
  const again = await cli(dir, 'prune', '--keep', '1', '--apply');
  assert.is(again.code, 0, again.err);
  assert.is(lastLine(again.out), 'nothing to prune');
});

it('the current images are intact: the plan builds nothing; the other chain is untouched', async () => {
  const plan = JSON.parse((await cli(dir, 'plan', '--json')).out) as Plan;
  assert.is(plan.summary.build, 0, JSON.stringify(plan.nodes.map((n) => [n.name, n.action])));
  assert.equal(await stores(other), otherBefore);
  const otherPrune = await prune(other.dir, '--keep', '1');
  assert.is(listed(otherPrune.data).length, 2, 'its own stale corebuild, in the registry and the engine, is still there');
});

it.run();
