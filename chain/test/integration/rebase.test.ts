/**
 * Rebase on the real engine, without a registry (docker save and load): after a patch of the core,
 * httpd and site (rebase: true) get the patched core without running a step, run with the patched
 * banner and their own files, pass their tests and verify; a failed test fails a rebased node,
 * and rebaseFallback: rebuild builds it instead.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { exampleChain, git, removeChainImages, removeDirs } from '../helpers.js';
import { actionsOf, rebaseSteps } from './rebase-steps.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain('rb');
const steps = rebaseSteps(dir, engine);
const it = suite('rebase (engine)');

it.before(() => steps.setUp());

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('after a patch of the core, httpd and site are rebased: no step runs, they run the patched core with their own files, pass their tests and verify', async () => {
  await steps.patchCore('patched: CVE-2026-0001');
  const plan = await steps.plan();
  assert.equal(actionsOf(plan), { busybox: 'skip', corebuild: 'build', httpd: 'rebase', runtime: 'build', docs: 'build', report: 'build', site: 'rebase' });
  assert.is(plan.summary.rebase, 2);
  const site = plan.nodes.find((n) => n.name === 'site');
  assert.is(site?.reasons[0]?.kind, 'rebase');

  const { code, summary, err } = await steps.build();
  assert.is(code, 0, err);
  assert.is(summary.counts.built, 6);
  assert.match(summary.nodes.find((n) => n.name === 'site')?.rebasedFrom ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.is(summary.nodes.find((n) => n.name === 'runtime')?.rebasedFrom, undefined);
  const siteLog = steps.log('site');
  assert.match(siteLog, /# rebased sha256:[0-9a-f]{64} onto httpd/);
  assert.not.match(siteLog, /^Step \d+\/\d+ :/m, 'no build step ran');
  assert.match(siteLog, /# test 3 passed/);

  const image = `${name}/site:1.0.1`;
  assert.match(steps.run(image, 'cat /etc/motd'), /patched: CVE-2026-0001/);
  assert.match(steps.run(image, 'cat /var/www/index.html'), /Welcome to ACME/);
  const labels = (await engine.inspect(image))?.labels ?? {};
  assert.is(labels['org.opencontainers.image.version'], '1.0.1');
  assert.is(labels['dev.chain.fingerprint'], plan.nodes.find((n) => n.name === 'site')?.fingerprint);
  const httpd = await engine.inspect(`${name}/httpd:2.4.1`);
  assert.is(labels['org.opencontainers.image.base.digest'], httpd?.id);
  const layers = (await engine.inspect(image))?.layers ?? [];
  assert.equal(layers.slice(0, httpd?.layers.length), httpd?.layers, 'the new parent first');

  const statement = await steps.provenance('site');
  const rebase = statement.predicate.buildDefinition.externalParameters.rebase as { rebasedFrom: string; onto: string; parent: string };
  assert.is(rebase.parent, 'httpd');
  assert.is(rebase.onto, httpd?.id);
  assert.match(rebase.rebasedFrom, /^sha256:[0-9a-f]{64}$/);

  const verified = await steps.cli('verify', 'site');
  assert.is(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, /site was rebased \(no step run\): its own layers from [0-9a-f]{12}, placed on httpd [0-9a-f]{12}/);
  assert.match(verified.out, /httpd was rebased/);
  assert.match((await steps.cli('plan')).out, /Nothing to build/);
});

it('a failed test fails a rebased node; with rebaseFallback: rebuild it is built instead', async () => {
  // The site now copies the banner into its own layer: against the rebase contract, which its new test catches.
  const dockerfile = path.join(dir, 'layers/app/site/Dockerfile');
  appendFileSync(dockerfile, 'RUN cp /etc/motd /var/www/motd.txt\n');
  steps.editLayer('app/site', (text) => text.replace("test:\n", "test:\n  - cmp /etc/motd /var/www/motd.txt\n"));
  git(dir, 'commit', '-qam', 'site copies the banner');
  assert.is((await steps.build()).code, 0, 'own inputs changed: built');
  await steps.patchCore('patched again');
  assert.is(actionsOf(await steps.plan()).site, 'rebase');

  const failed = await steps.build();
  assert.is(failed.code, 1);
  const site = failed.summary.nodes.find((n) => n.name === 'site');
  assert.is(site?.status, 'failed');
  assert.match(site?.error ?? '', /test 1 exited 1: cmp/);
  assert.is(actionsOf(await steps.plan()).site, 'rebase', 'nothing of the failed rebase is current');

  steps.editLayer('app/site', (text) => `${text}rebaseFallback: rebuild\n`);
  git(dir, 'commit', '-qam', 'site falls back to a rebuild');
  const rebuilt = await steps.build();
  assert.is(rebuilt.code, 0, rebuilt.err);
  assert.is(rebuilt.summary.nodes.find((n) => n.name === 'site')?.status, 'built');
  assert.match(steps.log('site'), /rebaseFallback: rebuild, so it is built from its Dockerfile/);
  assert.match(steps.run(`${name}/site:1.0.2`, 'cat /var/www/motd.txt'), /patched again/);
  assert.is((await steps.provenance('site')).predicate.buildDefinition.externalParameters.rebase, undefined, 'rebuilt, not rebased');
  assert.is((await steps.cli('verify', 'site')).code, 0);
});

it.run();
