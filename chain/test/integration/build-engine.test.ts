/**
 * The build engine against the real Docker Engine: image tests, transactional promotion, fail-fast,
 * tier limits, kills, interrupts, concurrent runs and an engine that goes away.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { StateStore } from '../../adapters/state.js';
import type { BuildSummary } from '../../exec/events.js';
import { chainContainers, exampleChain, git, removeChainImages, removeDirs, runCli, spawnChain, versionTags } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('build engine');
const file = (rel: string) => path.join(dir, rel);
// Only this chain's containers are checked: others on the shared engine come and go as they like.
const containers = chainContainers(engine, { dir, name });

async function build(...args: string[]): Promise<{ code: number; summary: BuildSummary; err: string }> {
  const r = await runCli(['build', '--json', ...args], { cwd: dir, engine });
  return { code: r.code, summary: JSON.parse(r.out) as BuildSummary, err: r.err };
}
const statuses = (s: BuildSummary) => Object.fromEntries(s.nodes.map((n) => [n.name, n.status]));
const NODES = ['corebuild', 'httpd', 'runtime', 'docs', 'report', 'site'];

it.before(async () => {
  await engine.ping();
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('builds in parallel, tests every image, and promotes version and build-id tags', async () => {
  const { code, summary, err } = await build();
  assert.is(code, 0, err);
  assert.is(summary.counts.built, 6);
  const site = summary.nodes.find((n) => n.name === 'site');
  assert.equal(site?.tags.map((t) => t.replace(/fp-[0-9a-f]{12}/, 'fp').replace(summary.buildId, 'ID')), [`${name}/site:fp`, `${name}/site:1.0.0`, `${name}/site:1.0.0-ID`]);
  assert.ok(summary.nodes.every((n) => n.tags.every((t) => !t.endsWith(':latest'))));
  assert.equal(await containers.left(), [], 'test and step containers are removed');
});

it('a failing image test fails the node, blocks its descendants, and moves no tag of it', async () => {
  const tagsBefore = await versionTags(engine, name);
  writeFileSync(file('layers/middleware/runtime/layer.yaml'), 'description: Job runtime layer\nversion: 1.2.0\ntest:\n  - test -x /usr/local/bin/run-job\n  - "echo runtime is broken >&2; exit 7"\n');
  appendFileSync(file('layers/app/site/public/index.html'), '<p>independent change</p>\n');
  const { code, summary } = await build();
  assert.is(code, 1);
  assert.equal(statuses(summary), { corebuild: 'up-to-date', httpd: 'up-to-date', runtime: 'failed', docs: 'blocked', report: 'blocked', site: 'built' });
  assert.match(summary.nodes.find((n) => n.name === 'runtime')?.error ?? '', /test 2 exited 7/);
  const tagsAfter = await versionTags(engine, name);
  assert.is(tagsAfter[`${name}/runtime:1.2.0`], tagsBefore[`${name}/runtime:1.2.0`], 'the failed node keeps its old image');
  assert.is.not(tagsAfter[`${name}/site:1.0.0`], tagsBefore[`${name}/site:1.0.0`], 'the independent node was promoted');
  // The tested-and-failed image got no fingerprint tag, so it is not up to date.
  const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, engine })).out) as { nodes: { name: string; action: string }[] };
  assert.equal(plan.nodes.filter((n) => n.action === 'build').map((n) => n.name).sort(), ['docs', 'report', 'runtime']);
  assert.equal(await containers.left(), []);
});

it('after the fix, a rerun builds only the failed node and its descendants', async () => {
  writeFileSync(file('layers/middleware/runtime/layer.yaml'), 'description: Job runtime layer\nversion: 1.2.0\ntest:\n  - test -x /usr/local/bin/run-job\n  - "echo fixed"\n');
  const { code, summary } = await build();
  assert.is(code, 0);
  assert.equal(statuses(summary), { corebuild: 'up-to-date', httpd: 'up-to-date', runtime: 'built', docs: 'built', report: 'built', site: 'up-to-date' });
});

it('--atomic moves no human tag when one node fails', async () => {
  const tagsBefore = await versionTags(engine, name);
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'atomic patch\n');
  writeFileSync(file('layers/app/report/report.sh'), '#!/bin/sh\nexit 1\n');
  const { code, summary } = await build('--atomic');
  assert.is(code, 1);
  assert.is(summary.promoted, false);
  assert.is(statuses(summary).report, 'failed');
  assert.is(statuses(summary).site, 'built');
  assert.equal(await versionTags(engine, name), tagsBefore, 'every version tag still points where it did');
  // Once everything succeeds, the nodes built earlier but never promoted are promoted too.
  git(dir, 'checkout', '--', 'layers/app/report/report.sh');
  const second = await build('--atomic');
  assert.is(second.code, 0);
  assert.is(second.summary.promoted, true);
  const tagsAfter = await versionTags(engine, name);
  const versions: Record<string, string> = { corebuild: '1.0.0', httpd: '2.4.0', runtime: '1.2.0', docs: '1.0.0', report: '0.3.0', site: '1.0.0' };
  for (const n of NODES) {
    const tag = `${name}/${n}:${versions[n]}`;
    assert.ok(tagsAfter[tag], `${tag} exists`);
    assert.is.not(tagsAfter[tag], tagsBefore[tag], `${tag} moved once every node succeeded`);
  }
});

it('--fail-fast cancels what has not finished after the first failure', async () => {
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'fail fast\n');
  writeFileSync(file('layers/middleware/httpd/www/health.html'), 'broken\n'); // the httpd test greps for "httpd layer ok"
  const { code, summary } = await build('--fail-fast', '--jobs', '1');
  assert.is(code, 1);
  const s = statuses(summary);
  assert.is(s.corebuild, 'built');
  assert.is(s.httpd, 'failed');
  assert.ok(['cancelled', 'built'].includes(s.runtime as string), JSON.stringify(s));
  assert.ok(Object.values(s).includes('cancelled'), JSON.stringify(s));
  git(dir, 'checkout', '--', 'layers/middleware/httpd/www/health.html');
});

it('a per-tier limit in chain.yaml bounds builds of that tier; children start after parents', async () => {
  writeFileSync(file('chain.yaml'), `${git(dir, 'show', 'HEAD:chain.yaml').replace('tiers: [base, core, middleware, app]', 'tiers: [base, core, middleware, app]\nconcurrency: { app: 1 }')}`);
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'limits\n');
  const child = spawnChain(['build', '--jobs', '4'], dir);
  const { code, err } = await child.done;
  assert.is(code, 0, err);
  const events = err.split('\n').map((l) => /^\S+ (\w+): (started|built|failed)/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const runningApps = new Set<string>();
  const done = new Set<string>();
  const parents: Record<string, string[]> = { httpd: ['corebuild'], runtime: ['corebuild'], site: ['httpd'], docs: ['httpd', 'runtime'], report: ['runtime'] };
  for (const [, node, what] of events) {
    const n = node as string;
    if (what === 'started') {
      for (const p of parents[n] ?? []) assert.ok(done.has(p), `${n} started before its parent ${p}`);
      if (['site', 'docs', 'report'].includes(n)) {
        runningApps.add(n);
        assert.ok(runningApps.size <= 1, `two app builds at once: ${[...runningApps]}`);
      }
    } else {
      runningApps.delete(n);
      done.add(n);
    }
  }
  assert.is(done.size, 6);
  git(dir, 'checkout', '--', 'chain.yaml');
});

it('SIGKILL at several points: the rerun rebuilds nothing that had succeeded and leaves no container', async () => {
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'kill test\n');
  const points = [/corebuild: Step 4\/\d+ : RUN/, /httpd: test 1\/1/, /(site|docs|report): started/];
  const succeeded = new Set<string>();
  for (const point of points) {
    const child = spawnChain(['build', '--jobs', '2'], dir);
    await child.waitFor(point);
    child.kill('SIGKILL');
    const { err } = await child.done;
    for (const m of err.matchAll(/ (\w+): built /g)) succeeded.add(m[1] as string);
    containers.note(); // the next run rewrites the logs that name this run's step containers
  }
  assert.ok(succeeded.has('corebuild'), 'the kills fell at different points of the run');
  const rerun = spawnChain(['build', '--json'], dir);
  const { code, out, err } = await rerun.done;
  assert.is(code, 0, err);
  const summary = JSON.parse(out) as BuildSummary;
  for (const n of succeeded) assert.is(statuses(summary)[n], 'up-to-date', `${n} had succeeded before a kill`);
  assert.ok(summary.nodes.every((n) => n.status === 'built' || n.status === 'up-to-date'));
  for (const n of NODES) assert.ok(new StateStore(dir).readRecord(n), `record of ${n} intact`);
  assert.equal(await containers.left(), [], 'no container left behind');
});

it('two runs at once: the second waits, nothing is corrupted, the work is done once', async () => {
  appendFileSync(file('layers/middleware/runtime/run-job'), '# concurrent\n');
  const a = spawnChain(['build', '--json'], dir);
  await a.waitFor(/runtime: started/);
  const b = spawnChain(['build', '--json'], dir);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.is(ra.code, 0, ra.err);
  assert.is(rb.code, 0, rb.err);
  assert.match(rb.err, /waiting for another chain build on this chain/);
  assert.is((JSON.parse(rb.out) as BuildSummary).counts.built, 0, 'the second run found the work done');
  assert.is((JSON.parse(ra.out) as BuildSummary).counts.built, 3);
  for (const n of NODES) assert.ok(new StateStore(dir).readRecord(n));
});

it('--no-wait exits at once with a clear line when another run holds the lock', async () => {
  appendFileSync(file('layers/middleware/runtime/run-job'), '# no wait\n');
  const a = spawnChain(['build'], dir);
  await a.waitFor(/runtime: started/);
  const b = await spawnChain(['build', '--no-wait'], dir).done;
  assert.is(b.code, 3);
  assert.match(b.err, /error\[E_LOCKED\]: another chain build is running on this chain \(pid \d+/);
  assert.is((await a.done).code, 0);
});

it('SIGINT cancels running builds, prints the summary, promotes nothing unfinished, exits 130', async () => {
  const tagsBefore = await versionTags(engine, name);
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'interrupt\n');
  const child = spawnChain(['build', '--json'], dir);
  await child.waitFor(/corebuild: Step 4\/\d+ : RUN/);
  child.kill('SIGINT');
  const { code, out } = await child.done;
  assert.is(code, 130);
  const summary = JSON.parse(out) as BuildSummary;
  assert.is(summary.interrupted, true);
  assert.is(statuses(summary).corebuild, 'cancelled');
  assert.equal(await versionTags(engine, name), tagsBefore);
  assert.equal(await containers.left(), []);
});

it('a second SIGINT exits at once: no waiting for the cancellation, no summary', async () => {
  appendFileSync(file('layers/core/corebuild/etc/motd'), 'second interrupt\n');
  const child = spawnChain(['build', '--json'], dir);
  await child.waitFor(/corebuild: Step 4\/\d+ : RUN/);
  child.kill('SIGINT');
  // Sent once the first is handled: two signals sent back to back can merge into one.
  await child.waitFor(/SIGINT: cancelling/);
  child.kill('SIGINT');
  const { code, out } = await child.done;
  assert.is(code, 130);
  // After one SIGINT the run waits for the engine to stop the build, then prints the summary (the
  // test above); after the second it exits before either.
  assert.is(out, '', 'no summary: the run did not wait for the cancellation to finish');
  // The engine cancels the hung-up build itself; wait for it, so later tests see a clean engine.
  assert.equal(await containers.settle(), [], 'the cancelled build leaves no container');
});

it.run();
