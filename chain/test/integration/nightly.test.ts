/**
 * The nightly cascade against the real engine and git, with a local HTTP receiver for the
 * webhook: a new vendor base is pinned, bumped, rebuilt and committed on a branch once; the
 * second run finds nothing to do; a failed subtree keeps its old pin for the next night. The
 * vendor tag that moves is this chain's own: the shared vendor/busybox:1.35 never moves.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { NightlyReport } from '../../app/nightly-report.js';
import { exampleChain, git, ownVendorBase, removeChainImages, removeDirs, removeOwnVendorBase, runCli, shipFixedBase, spawnChain, VENDOR_BASE } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('nightly cascade');
const received: NightlyReport[] = [];
let server: Server;
let original = '';
let base = ''; // this chain's own name for the vendor base
const shipped: string[] = [];
/** What the nightly job sees: the webhook to post its report to. */
let env: Record<string, string> = {};
const nightly = async () => {
  const r = await runCli(['nightly', '--json'], { cwd: dir, engine, env });
  return { code: r.code, report: JSON.parse(r.out) as NightlyReport, err: r.err };
};
const pinOf = () => (JSON.parse(readFileSync(path.join(dir, 'chain.lock'), 'utf8')) as { externals: { busybox: { digest: string } } }).externals.busybox.digest;

it.before(async () => {
  original = (await engine.inspect(VENDOR_BASE))?.id as string;
  base = await ownVendorBase(engine, dir, name);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as NightlyReport);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = { CHAIN_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chain` };
  assert.is((await runCli(['build'], { cwd: dir, engine })).code, 0);
});

it.after(async () => {
  server.close();
  await removeChainImages(engine, name);
  await removeOwnVendorBase(engine, base, shipped);
  removeDirs(dir);
});

it('a new vendor base: pinned, every image on it bumped, rebuilt and tested, committed on a branch, reported', async () => {
  shipped.push(await shipFixedBase(engine, original, base, 'night-1'));
  const { code, report, err } = await nightly();
  assert.is(code, 0, err);
  assert.equal(report.moved.map((m) => [m.node, m.from, m.to]), [['busybox', original, shipped[0]]]);
  assert.equal(report.bumps.map((b) => [b.node, b.from, b.to]).sort(), [
    ['corebuild', '1.0.0', '1.0.1'], ['docs', '1.0.0', '1.0.1'], ['httpd', '2.4.0', '2.4.1'], ['report', '0.3.0', '0.3.1'], ['runtime', '1.2.0', '1.2.1'], ['site', '1.0.0', '1.0.1'],
  ]);
  assert.equal(report.byOwner.ops?.built, ['corebuild']);
  assert.equal(report.byOwner.web?.built.sort(), ['docs', 'site']);
  assert.is(report.committed?.branch, `chain/nightly-${report.date}`);
  assert.is(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), report.committed?.branch);
  const files = git(dir, 'show', '--name-only', '--format=%s', 'HEAD').trim().split('\n');
  assert.match(files[0] ?? '', /^chain nightly \d{4}-\d{2}-\d{2}: 1 base moved, 6 images rebuilt$/);
  assert.ok(files.includes('chain.lock') && files.includes('layers/core/corebuild/layer.yaml'), files.join(' '));
  assert.is(git(dir, 'status', '--porcelain'), '', 'nothing left uncommitted');
  assert.equal(received.at(-1), report, 'the webhook got the JSON report');
  const md = readFileSync(path.join(dir, '.chain/reports', `nightly-${report.date}.md`), 'utf8');
  assert.match(md, /^# Nightly cascade of t\w+, \d{4}-\d{2}-\d{2}/);
  assert.match(md, /\| ops \| corebuild \|/);
  const provenance = JSON.parse((await runCli(['provenance', 'site', '--json'], { cwd: dir, engine })).out) as { predicate: { buildDefinition: { externalParameters: { reason?: string } } } };
  assert.ok((provenance.predicate.buildDefinition.externalParameters.reason ?? '').startsWith(`base ${base} moved to sha256:`), provenance.predicate.buildDefinition.externalParameters.reason);
});

it('run twice, the second run finds nothing to do', async () => {
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  const { code, report } = await nightly();
  assert.is(code, 0);
  assert.equal([report.moved, report.bumps, report.committed], [[], [], undefined]);
  assert.ok(Object.values(report.byOwner).every((o) => o.built.length === 0));
  assert.is(git(dir, 'rev-parse', 'HEAD').trim(), head);
});

it('a failure in one subtree: the others are published, the failed subtree keeps its pin for the next night', async () => {
  const runtimeLayer = path.join(dir, 'layers/middleware/runtime/layer.yaml');
  writeFileSync(runtimeLayer, readFileSync(runtimeLayer, 'utf8').replace('- test -x /usr/local/bin/run-job', '- "false"'));
  git(dir, 'commit', '-qam', 'a runtime test that fails');
  const pinned = pinOf();
  shipped.push(await shipFixedBase(engine, original, base, 'night-2'));
  const { code, report } = await nightly();
  assert.is(code, 1);
  assert.equal(report.failed.map((f) => f.node), ['runtime']);
  assert.equal(report.byOwner.middleware?.built, ['httpd']);
  assert.equal(report.byOwner.web?.built, ['site']);
  assert.equal(report.retried, ['busybox']);
  assert.is(pinOf(), pinned, 'the pin stays, so the next night retries');
  assert.is(report.committed, undefined);
  assert.match(readFileSync(runtimeLayer, 'utf8'), /version: 1\.2\.1/, 'the failed node keeps its version');
});

it('a run stopped before building (a policy refusal) still reports, and leaves pins and versions for the next night', async () => {
  const site = path.join(dir, 'layers/app/site/Dockerfile');
  writeFileSync(site, `${readFileSync(site, 'utf8')}USER root\n`);
  git(dir, 'commit', '-qam', 'site ends as root');
  const pinned = pinOf();
  const versions = git(dir, 'diff', '--stat');
  shipped.push(await shipFixedBase(engine, original, base, 'night-3'));
  const r = await runCli(['nightly', '--json'], { cwd: dir, engine, env });
  assert.is(r.code, 1);
  assert.match(r.err, /error\[E_POLICY\]: non-root: site/);
  assert.is(received.at(-1)?.ok, false);
  assert.match(received.at(-1)?.error ?? '', /^E_POLICY: non-root: site: the image runs as root: its final stage ends with USER root/);
  assert.is(pinOf(), pinned, 'the pin is back: the next night retries');
  assert.is(git(dir, 'diff', '--stat'), versions, 'no version bump left behind');
});

it('a night killed while it builds is resumed: the next run reports what moved, builds, and commits every bump', async () => {
  // The earlier tests' breakages go: a runtime test that fails, a site that ends as root.
  git(dir, 'checkout', '-q', '--', 'layers');
  const runtimeLayer = path.join(dir, 'layers/middleware/runtime/layer.yaml');
  writeFileSync(runtimeLayer, readFileSync(runtimeLayer, 'utf8').replace('- "false"', '- test -x /usr/local/bin/run-job'));
  const site = path.join(dir, 'layers/app/site/Dockerfile');
  writeFileSync(site, readFileSync(site, 'utf8').replace(/USER root\n$/, ''));
  git(dir, 'commit', '-qam', 'runtime and site fixed');
  const pinned = pinOf();
  const versionOf = (file: string) => /^version: (.*)$/m.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1];
  const coreBefore = versionOf('layers/core/corebuild/layer.yaml');
  shipped.push(await shipFixedBase(engine, original, base, 'night-4'));
  const killed = spawnChain(['nightly', '--verbose'], dir, env);
  await killed.waitFor(/corebuild: # built sha256:/, 120_000);
  killed.kill('SIGKILL');
  await killed.done;
  assert.is.not(pinOf(), pinned, 'the killed night had pinned the new base');

  const { code, report, err } = await nightly();
  assert.is(code, 0, err);
  assert.equal(report.moved.map((m) => [m.node, m.from, m.to]), [['busybox', pinned, shipped.at(-1)]]);
  assert.ok(report.bumps.some((b) => b.node === 'corebuild' && b.from === coreBefore), JSON.stringify(report.bumps));
  assert.is(report.bumps.length, 6, 'each node bumped once, not twice');
  assert.ok(report.committed, 'the bumps are committed');
  const files = git(dir, 'show', '--name-only', '--format=%s', 'HEAD').trim().split('\n');
  assert.ok(files.includes('chain.lock') && files.includes('layers/core/corebuild/layer.yaml') && files.includes('layers/app/site/layer.yaml'), files.join(' '));
  assert.is(git(dir, 'status', '--porcelain'), '', 'nothing left uncommitted');
  const again = await nightly();
  assert.equal([again.code, again.report.moved, again.report.bumps], [0, [], []], 'and the night after finds nothing to do');
});

it.run();
