/**
 * The nightly cascade rebases where the plan says so: a vendor ships a fixed base, the nightly job
 * pins it and bumps the cascade, and the core build, httpd and site (rebase: true) are rebased onto
 * it, not rebuilt; runtime, docs and report are rebuilt. The rebased site carries the vendor's fix
 * and its own files, passed its tests and verifies.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { NightlyReport } from '../../app/nightly-report.js';
import { exampleChain, git, ownVendorBase, removeChainImages, removeDirs, removeOwnVendorBase, runCli, shipFixedBase, VENDOR_BASE } from '../helpers.js';
import { rebaseSteps } from './rebase-steps.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain('rn');
const steps = rebaseSteps(dir, engine);
const it = suite('rebase (nightly)');
let base = '';
const shipped: string[] = [];

it.before(async () => {
  base = await ownVendorBase(engine, dir, name);
  appendFileSync(path.join(dir, 'layers/core/corebuild/layer.yaml'), 'rebase: true\n');
  git(dir, 'commit', '-qam', 'rebase: true on the core build');
  await steps.setUp();
});

it.after(async () => {
  await removeChainImages(engine, name);
  await removeOwnVendorBase(engine, base, shipped);
  removeDirs(dir);
});

it('a new vendor base: the nightly job rebases the core build, httpd and site onto it and rebuilds the rest', async () => {
  const original = (await engine.inspect(VENDOR_BASE))?.id as string;
  shipped.push(await shipFixedBase(engine, original, base, 'vendor-fix-1'));
  const r = await runCli(['nightly', '--json', '--sign-key', 'keys/ops-release.key'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  const report = JSON.parse(r.out) as NightlyReport;
  assert.equal(report.byOwner.ops?.built, ['corebuild']);
  for (const node of ['corebuild', 'httpd', 'site']) assert.match(steps.log(node), /# rebased sha256:/, node);
  for (const node of ['runtime', 'docs', 'report']) assert.match(steps.log(node), /^Step \d+\/\d+ :/m, node);
  const site = `${name}/site:1.0.1`;
  assert.match(steps.run(site, 'cat /etc/vendor-fix'), /vendor-fix-1/);
  assert.match(steps.run(site, 'cat /var/www/index.html'), /Welcome to ACME/);
  const verified = await steps.cli('verify', 'site');
  assert.is(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, /corebuild was rebased/);
});

it.run();
