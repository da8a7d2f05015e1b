/**
 * Rebase through the registry's API (registry: set, --push): the core's base layers are mounted
 * into the node's repository, only a new config and manifest are put, and the engine pulls the
 * rebased image by digest for its tests; it runs the patched core with its own files, passes its
 * tests, is published under its fingerprint with its attestation, and verifies.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { RegistryClient } from '../../adapters/registry.js';
import { exampleChainOn, git, removeChainImages, removeDirs, startRegistry, type TestRegistry } from '../helpers.js';
import { actionsOf, rebaseSteps } from './rebase-steps.js';

const engine = new DockerEngine();
let registry: TestRegistry;
let chain: { dir: string; name: string };
let steps: ReturnType<typeof rebaseSteps>;
const it = suite('rebase (registry)');

it.before(async () => {
  registry = await startRegistry();
  chain = exampleChainOn(registry.host, 'rr');
  steps = rebaseSteps(chain.dir, engine, ['--push']);
  await steps.setUp();
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(chain.dir);
  await registry.stop();
});

it('after a patch of the core, site is rebased in the registry: mounted, not pushed again; it runs, passes its tests and verifies', async () => {
  await steps.patchCore('patched: CVE-2026-0002');
  const plan = await steps.plan();
  assert.equal(actionsOf(plan), { busybox: 'skip', corebuild: 'build', httpd: 'rebase', runtime: 'build', docs: 'build', report: 'build', site: 'rebase' });

  const { code, summary, err } = await steps.build();
  assert.is(code, 0, err);
  const site = summary.nodes.find((n) => n.name === 'site');
  assert.is(site?.status, 'built');
  assert.match(site?.digest ?? '', new RegExp(`^${registry.host}/${chain.name}/site@sha256:`));
  const log = steps.log('site');
  assert.match(log, /# staged .* \(\d+ layers mounted, config sha256:[0-9a-f]{64} and manifest put\)/);
  assert.match(log, /# rebased .*\/site@sha256:[0-9a-f]{64} onto httpd .*\/httpd@sha256:/);
  assert.not.match(log, /^Step \d+\/\d+ :/m, 'no build step ran');

  // What the registry holds: the new parent's layers first, then the site's own, under the fingerprint tag.
  const client = new RegistryClient(registry.host, undefined);
  const fpTag = `fp-${plan.nodes.find((n) => n.name === 'site')?.fingerprint.slice(0, 12)}`;
  const manifest = await client.manifest(`${chain.name}/site`, fpTag);
  const httpd = await client.manifest(`${chain.name}/httpd`, '2.4.1');
  const httpdLayers = httpd?.json.layers?.map((l) => l.digest) ?? [];
  assert.equal(manifest?.json.layers?.slice(0, httpdLayers.length).map((l) => l.digest), httpdLayers);
  assert.is(manifest?.digest, site?.digest?.split('@')[1]);
  assert.is((await client.manifest(`${chain.name}/site`, '1.0.1'))?.digest, manifest?.digest, 'its version tag holds the very manifest attested');

  const image = `${chain.name}/site:1.0.1`;
  assert.match(steps.run(image, 'cat /etc/motd'), /patched: CVE-2026-0002/);
  assert.match(steps.run(image, 'cat /var/www/index.html'), /Welcome to ACME/);
  const statement = await steps.provenance('site');
  const rebase = statement.predicate.buildDefinition.externalParameters.rebase as { rebasedFrom: string; onto: string };
  assert.match(rebase.rebasedFrom, new RegExp(`^${registry.host}/${chain.name}/site@sha256:`));
  assert.match(rebase.onto, new RegExp(`^${registry.host}/${chain.name}/httpd@sha256:`));
  const verified = await steps.cli('verify', 'site');
  assert.is(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, /site was rebased \(no step run\)/);
  assert.match((await steps.cli('plan')).out, /Nothing to build/);
});

it('a fresh runner (no state folder, an engine without the chain images) finds the rebase source in the registry by its release tag', async () => {
  await steps.patchCore('patched: CVE-2026-0003');
  rmSync(path.join(chain.dir, '.chain'), { recursive: true, force: true });
  await removeChainImages(engine, chain.name);
  const plan = await steps.plan();
  assert.is(actionsOf(plan).site, 'rebase', JSON.stringify(plan.nodes.map((n) => [n.name, n.action, n.reasons])));
  assert.match(JSON.stringify(plan.nodes.find((n) => n.name === 'site')?.rebase?.from.image.digest), new RegExp(`${chain.name}/site@sha256:`));
  const { code, err } = await steps.build();
  assert.is(code, 0, err);
  assert.match(steps.log('site'), /# rebased .*\/site@sha256:[0-9a-f]{64} onto httpd/);
  assert.match(steps.run(`${chain.name}/site:1.0.2`, 'cat /etc/motd'), /patched: CVE-2026-0003/);
  assert.is((await steps.cli('verify', 'site')).code, 0);
});

it('a rebased node with no tests is made in the registry alone: never pulled, tagged there, current, and it verifies', async () => {
  steps.editLayer('app/site', (text) => text.replace(/^test:\n(?:  - .*\n)+/m, ''));
  const policies = path.join(chain.dir, 'policies/supply-chain.yaml');
  writeFileSync(policies, readFileSync(policies, 'utf8').replace('check: has-tests\n    severity: error', 'check: has-tests\n    severity: warn'));
  git(chain.dir, 'commit', '-qam', 'site: no tests');
  assert.is((await steps.build()).code, 0);
  await steps.patchCore('patched: CVE-2026-0004');
  assert.is(actionsOf(await steps.plan()).site, 'rebase');
  const { code, summary, err } = await steps.build();
  assert.is(code, 0, err);
  const site = summary.nodes.find((n) => n.name === 'site');
  assert.match(steps.log('site'), /# current .*\/site:fp-[0-9a-f]{12} \(in the registry only/);
  assert.ok(site?.tags.length === 3 && site.tags.every((tag) => tag.startsWith(`${registry.host}/${chain.name}/site:`)), JSON.stringify(site?.tags));
  assert.is(await engine.inspect(site?.imageId ?? ''), undefined, 'the engine never pulled it');

  const version = /^version: (.*)$/m.exec(readFileSync(path.join(chain.dir, 'layers/app/site/layer.yaml'), 'utf8'))?.[1] ?? '';
  const client = new RegistryClient(registry.host, undefined);
  assert.is(`${registry.host}/${chain.name}/site@${(await client.manifest(`${chain.name}/site`, version))?.digest}`, site?.digest, 'its version tag holds the manifest attested');
  const verified = await steps.cli('verify', 'site');
  assert.is(verified.code, 0, verified.out + verified.err);
  assert.match((await steps.cli('plan')).out, /Nothing to build/);

  const image = `${registry.host}/${chain.name}/site:${version}`;
  execFileSync('docker', ['pull', '-q', image], { stdio: 'ignore' });
  assert.match(steps.run(image, 'cat /etc/motd'), /patched: CVE-2026-0004/);
  assert.match(steps.run(image, 'cat /var/www/index.html'), /Welcome to ACME/);
});

it.run();
