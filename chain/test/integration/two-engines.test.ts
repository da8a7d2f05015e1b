/**
 * Two runners, one registry, the registry the only state they share: a second Docker Engine
 * (its own dockerd) beside the machine's, two clones of a chain, and Debian's docker-registry on
 * loopback. The pipeline's jobs (`chain build <node> --only --push`, one per node) run wave by
 * wave on alternating runners, two at once; then both runners build the same node at the same
 * moment, and the registry ends with one image under its fingerprint, which its children (built
 * on either engine) are built on. A third, empty runner then plans nothing and verifies every node.
 */
import { appendFileSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { RegistryClient } from '../../adapters/registry.js';
import { attestationTag, remoteImage } from '../../adapters/registry-images.js';
import { fingerprintTag } from '../../core/model.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary, NodeResult } from '../../exec/events.js';
import { exampleChainOn, git, jsonOf, removeChainImages, removeDirs, runCli, spawnChain, startRegistry, tempDir, type TestRegistry, VENDOR_BASE } from '../helpers.js';
import { startEngine, type EngineInstance } from './engine-instance.js';

const main = new DockerEngine();
const it = suite('two engines, one registry');
const WAVES = [['corebuild'], ['httpd', 'runtime'], ['docs', 'report', 'site']];
const BUILT = WAVES.flat();
const SIGN = ['--sign-key', 'keys/ops-release.key'];

interface Runner {
  name: string;
  dir: string;
  host: string;
}

let registry: TestRegistry;
let client: RegistryClient;
let second: EngineInstance | undefined;
let third: EngineInstance | undefined;
let chain: { dir: string; name: string };
let vendor = '';
let runners: Runner[] = [];
const dirs: string[] = [];

/** `chain build <node> --only --push` on a runner, as a CI job runs it: its own process, its own engine. */
async function job(runner: Runner, node: string): Promise<NodeResult> {
  const run = await spawnChain(['build', node, '--only', '--push', ...SIGN, '--json'], runner.dir, { DOCKER_HOST: runner.host }).done;
  assert.is(run.code, 0, `${node} on ${runner.name}:\n${run.err}\n${run.out}`);
  const result = jsonOf<BuildSummary>(run).nodes.find((n) => n.name === node);
  assert.is(result?.status, 'built', `${node} on ${runner.name}: ${run.out}`);
  return result as NodeResult;
}

/** The waves in order; in each, the jobs two at once on alternating runners. */
async function pipeline(waves: string[][]): Promise<Record<string, NodeResult & { runner: string }>> {
  const results: Record<string, NodeResult & { runner: string }> = {};
  let turn = 0;
  for (const wave of waves) {
    for (let i = 0; i < wave.length; i += 2) {
      const pair = wave.slice(i, i + 2).map((node) => ({ node, runner: runners[turn++ % 2] as Runner }));
      for (const [k, r] of (await Promise.all(pair.map((p) => job(p.runner, p.node)))).entries()) results[r.name] = { ...r, runner: pair[k]?.runner.name as string };
    }
  }
  return results;
}

const repo = (node: string) => `${chain.name}/${node}`;
const hexOf = (ref: string) => ref.slice(ref.indexOf('@') + 1);

it.before(async () => {
  await main.ping();
  registry = await startRegistry();
  client = new RegistryClient(registry.host, undefined);
  // The vendor base is in the registry too: the registry is all the runners share.
  vendor = `${registry.host}/vendor-${process.pid}/busybox`;
  await main.tag((await main.inspect(VENDOR_BASE))?.id as string, vendor, '1.35');
  await main.push(vendor, '1.35');
  chain = exampleChainOn(registry.host, 'two', (yaml) => yaml.replace(`image: ${VENDOR_BASE}`, `image: ${vendor}:1.35`));
  dirs.push(chain.dir);
  assert.is((await runCli(['keys', 'generate', '--out', 'keys', '--name', 'ops-release'], { cwd: chain.dir })).code, 0);
  assert.is((await runCli(['update'], { cwd: chain.dir, engine: main })).code, 0);
  git(chain.dir, 'add', 'chain.lock', 'keys/ops-release.pub');
  git(chain.dir, 'commit', '-qm', 'vendor base by digest, signing key');
  second = await startEngine();
  // The second runner: a clone of its own (its own state folder), with the signing key CI would give it.
  const clone = tempDir('chain-runner-');
  dirs.push(clone);
  git(clone, 'clone', '-q', chain.dir, '.');
  copyFileSync(path.join(chain.dir, 'keys/ops-release.key'), path.join(clone, 'keys/ops-release.key'));
  runners = [
    { name: 'main engine', dir: chain.dir, host: 'unix:///var/run/docker.sock' },
    { name: 'second engine', dir: clone, host: second.host },
  ];
});

it.after(async () => {
  await removeChainImages(main, chain.name);
  await main.docker.getImage(`${vendor}:1.35`).remove().catch(() => undefined);
  await second?.stop();
  await third?.stop();
  removeDirs(...dirs);
  await registry.stop();
});

it('the jobs of the pipeline, wave by wave on alternating engines; then both engines build one node at once: one image per fingerprint, its children on it', async () => {
  // Out of order, a job finds its parent not current: it fails naming it, and builds no ancestor.
  const early = await spawnChain(['build', 'httpd', '--only', '--push', ...SIGN, '--json'], runners[1]?.dir as string, { DOCKER_HOST: runners[1]?.host as string }).done;
  assert.is(early.code, 1, early.err);
  const refused = jsonOf<BuildSummary>(early).nodes;
  assert.equal(refused.map((n) => [n.name, n.status, n.code]), [['httpd', 'failed', 'E_PARENT_NOT_CURRENT']]);
  assert.is(refused[0]?.error, `corebuild is not current in the registry ${registry.host}/${chain.name}: build it first (chain build corebuild --only --push)`);
  assert.equal(await client.tags(repo('corebuild')), [], 'nothing was built or pushed for the ancestor');

  const first = await pipeline(WAVES);
  assert.equal(Object.keys(first).sort(), [...BUILT].sort());
  assert.ok(Object.values(first).every((r) => !r.adopted), 'no race, nothing adopted');
  // Each child is built on its parent as the registry holds it, pulled by digest on the other engine.
  const core = await remoteImage(client, repo('corebuild'), hexOf(first.corebuild?.digest as string));
  assert.ok(['httpd', 'runtime'].some((child) => first[child]?.runner !== first.corebuild?.runner), 'a child was built on the other engine');
  for (const child of ['httpd', 'runtime']) {
    const image = await remoteImage(client, repo(child), hexOf(first[child]?.digest as string));
    assert.equal(image?.layers.slice(0, core?.layers.length), core?.layers, `${child} on the ${first[child]?.runner}`);
  }

  // A change to the core build, in both clones: both runners now have to build it, at the same moment.
  appendFileSync(path.join(chain.dir, 'layers/core/corebuild/etc/motd'), 'patched for the race\n');
  git(chain.dir, 'commit', '-qam', 'corebuild: a change both runners build');
  git(runners[1]?.dir as string, 'pull', '-q', '--ff-only');
  const plan = JSON.parse((await runCli(['plan', 'corebuild', '--only', '--json'], { cwd: chain.dir, engine: main })).out) as Plan;
  const fp = plan.nodes.find((n) => n.name === 'corebuild')?.fingerprint as string;
  assert.is(plan.nodes.find((n) => n.name === 'corebuild')?.action, 'build');
  const raced = await Promise.all(runners.map((runner) => job(runner, 'corebuild')));

  const tagged = await client.manifestDigest(repo('corebuild'), fingerprintTag(fp));
  assert.ok(tagged, 'the fingerprint tag is there');
  const winnerImageId = (await remoteImage(client, repo('corebuild'), tagged))?.id;
  assert.equal(raced.map((r) => r.imageId), [winnerImageId, winnerImageId], 'both engines hold the one image');
  assert.equal(raced.map((r) => hexOf(r.digest as string)), [tagged, tagged], 'both runners ended on the image the tag holds');
  assert.equal(raced.map((r) => Boolean(r.adopted)).sort(), [false, true], 'one published it, the other adopted it');
  // One attestation among the images of this fingerprint: the winner's. The loser's own image (staged, untagged) has none.
  const tags = await client.tags(repo('corebuild'));
  const attested: string[] = [];
  for (const tag of tags.filter((t) => t.endsWith('.att'))) {
    const subject = tag.replace(/\.att$/, '').replace('-', ':');
    if ((await remoteImage(client, repo('corebuild'), subject))?.labels['dev.chain.fingerprint'] === fp) attested.push(subject);
  }
  assert.equal(attested, [tagged]);
  const loser = runners[raced.findIndex((r) => r.adopted)] as Runner;
  const staged = /# staged \S+@(sha256:[0-9a-f]{64})/.exec(readFileSync(path.join(loser.dir, '.chain/logs/corebuild.log'), 'utf8'))?.[1];
  assert.ok(staged && staged !== tagged, `the loser staged an image of its own (${staged})`);
  assert.not.ok(tags.includes(attestationTag(staged as string)), 'the adopted-away image has no attestation');
  // The adopting runner's engine holds the winner's image under the fingerprint, as its record says.
  const record = JSON.parse(readFileSync(path.join(loser.dir, '.chain/records/corebuild.json'), 'utf8')) as { body?: { digest?: string; adopted?: boolean; imageId?: string } };
  assert.is(hexOf(record.body?.digest ?? ''), tagged);
  assert.is(record.body?.adopted, true);
  assert.is(record.body?.imageId, winnerImageId, 'the record names the adopted image');

  // The children, on either engine, are built on that one image.
  const children = await pipeline([['httpd', 'runtime'], ['docs', 'report', 'site']]);
  const winner = await remoteImage(client, repo('corebuild'), tagged as string);
  for (const child of ['httpd', 'runtime']) {
    const image = await remoteImage(client, repo(child), hexOf(children[child]?.digest as string));
    assert.equal(image?.layers.slice(0, winner?.layers.length), winner?.layers, `${child} (built on the ${children[child]?.runner}) starts with the winner's layers`);
  }
});

it('a third, empty runner (a fresh clone, no state folder, an empty engine) plans nothing and verifies every node', async () => {
  third = await startEngine();
  const clone = tempDir('chain-runner-');
  dirs.push(clone);
  git(clone, 'clone', '-q', chain.dir, '.');
  const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: clone, engine: third.engine })).out) as Plan;
  assert.is(plan.summary.build, 0, JSON.stringify(plan.nodes.map((n) => [n.name, n.action, n.reasons])));
  assert.equal(plan.nodes.filter((n) => n.kind === 'built').map((n) => n.action), BUILT.map(() => 'skip'));
  for (const node of BUILT) {
    const r = await runCli(['verify', node], { cwd: clone, engine: third.engine });
    assert.is(r.code, 0, `${node}: ${r.out}\n${r.err}`);
    assert.match(r.out, /^verified: \d+ links, each signed by a trusted key/m);
  }
});

it.run();
