/**
 * Patch cascades against the real engine and git: versions bumped where declared (comments
 * kept), exactly the descendants rebuilt with new versions and the reason in their provenance,
 * and a major bump held at the children that only accept ^1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { Cascade } from '../../core/versions.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Statement } from '../../provenance/types.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli, versionTags } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('chain patch');
const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
const REASON = 'CVE-2026-0001: patched CA bundle';
const coreLayer = path.join(dir, 'layers/core/corebuild/layer.yaml');

it.before(async () => {
  const r = await cli('build');
  assert.is(r.code, 0, r.err);
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('--dry-run shows the version changes and the plan, and writes nothing', async () => {
  const r = await cli('patch', 'corebuild', '--reason', REASON, '--dry-run', '--json');
  assert.is(r.code, 0, r.err);
  const out = JSON.parse(r.out) as Cascade & { plan: Plan };
  assert.equal(out.changes.map((c) => [c.node, c.from, c.to]), [
    ['corebuild', '1.0.0', '1.0.1'],
    ['httpd', '2.4.0', '2.4.1'],
    ['runtime', '1.2.0', '1.2.1'],
    ['docs', '1.0.0', '1.0.1'],
    ['report', '0.3.0', '0.3.1'],
    ['site', '1.0.0', '1.0.1'],
  ]);
  assert.equal(out.stops, []);
  assert.is(out.plan.summary.build, 6);
  assert.equal(out.plan.nodes.find((n) => n.name === 'corebuild')?.reasons, [{ kind: 'version-changed', from: '1.0.0', to: '1.0.1' }]);
  assert.is(git(dir, 'status', '--porcelain'), '');
});

it('a patch bumps where each version is declared, keeps comments, and rebuilds exactly the cascade with the reason recorded', async () => {
  const before = readFileSync(coreLayer, 'utf8');
  assert.is((await cli('patch', 'corebuild', '--reason', REASON)).code, 0);
  assert.is(readFileSync(coreLayer, 'utf8'), before.replace('version: 1.0.0', 'version: 1.0.1'), 'only the version changed; comments kept');
  assert.equal(git(dir, 'diff', '--name-only').trim().split('\n').sort(), [
    'layers/app/docs/layer.yaml', 'layers/app/report/layer.yaml', 'layers/app/site/layer.yaml',
    'layers/core/corebuild/layer.yaml', 'layers/middleware/httpd/layer.yaml', 'layers/middleware/runtime/layer.yaml',
  ]);
  const r = await cli('build', '--json');
  assert.is(r.code, 0, r.err);
  assert.is((JSON.parse(r.out) as BuildSummary).counts.built, 6);
  const tags = await versionTags(engine, name);
  for (const tag of ['corebuild:1.0.1', 'httpd:2.4.1', 'runtime:1.2.1', 'docs:1.0.1', 'report:0.3.1', 'site:1.0.1']) assert.ok(tags[`${name}/${tag}`], tag);
  const site = JSON.parse((await cli('provenance', 'site', '--json')).out) as Statement;
  assert.is(site.predicate.buildDefinition.externalParameters.reason, REASON);
  git(dir, 'commit', '-qam', 'patch cascade');
});

it('a major bump stops at the children that accept only ^1: they are held, not built on it', async () => {
  const r = await cli('patch', 'corebuild', '--level', 'major', '--json');
  const out = JSON.parse(r.out) as Cascade;
  assert.equal(out.changes.map((c) => [c.node, c.to]), [['corebuild', '2.0.0']]);
  assert.equal(out.stops.map((s) => [s.node, s.owner, s.parent, s.range, s.version]), [
    ['httpd', 'middleware', 'corebuild', '^1', '2.0.0'],
    ['runtime', 'middleware', 'corebuild', '^1', '2.0.0'],
  ]);
  const tagsBefore = await versionTags(engine, name);
  const built = await cli('build', '--json');
  assert.is(built.code, 0, 'held is not a failure');
  const summary = JSON.parse(built.out) as BuildSummary;
  assert.equal(Object.fromEntries(summary.nodes.map((n) => [n.name, n.status])), { corebuild: 'built', httpd: 'held', runtime: 'held', docs: 'held', report: 'held', site: 'held' });
  assert.is(summary.nodes.find((n) => n.name === 'httpd')?.held, "held: accepts corebuild@^1, which is now 2.0.0; needs middleware's consent");
  const tagsAfter = await versionTags(engine, name);
  assert.is(tagsAfter[`${name}/httpd:2.4.1`], tagsBefore[`${name}/httpd:2.4.1`], 'httpd was not rebuilt on corebuild 2');
  assert.ok(tagsAfter[`${name}/corebuild:2.0.0`]);
  // The middleware team consents for httpd: httpd and the apps on it build; runtime's side stays held.
  const chainYaml = path.join(dir, 'chain.yaml');
  writeFileSync(chainYaml, readFileSync(chainYaml, 'utf8').replace('path: layers/middleware/httpd\n    from: corebuild@^1', 'path: layers/middleware/httpd\n    from: corebuild@^2'));
  const next = JSON.parse((await cli('build', '--json')).out) as BuildSummary;
  assert.equal(Object.fromEntries(next.nodes.map((n) => [n.name, n.status])), { corebuild: 'up-to-date', httpd: 'built', runtime: 'held', docs: 'held', report: 'held', site: 'built' });
});

it.run();
