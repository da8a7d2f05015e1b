/** --since: only what a change touched, and its descendants, against real git and the real engine. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('--since');
let base = '';

it.before(async () => {
  const r = await runCli(['build'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  base = git(dir, 'rev-parse', 'HEAD').trim();
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('plan --since covers the touched nodes, their descendants and what they need; reasons name the files', async () => {
  appendFileSync(path.join(dir, 'layers/middleware/runtime/run-job'), '# committed change\n');
  git(dir, 'commit', '-qam', 'runtime change');
  appendFileSync(path.join(dir, 'layers/app/site/README.md'), 'an ignored, uncommitted edit\n');
  const plan = JSON.parse((await runCli(['plan', '--since', base, '--json'], { cwd: dir, engine })).out) as Plan;
  assert.equal(plan.nodes.map((n) => n.name).sort(), ['busybox', 'corebuild', 'docs', 'httpd', 'report', 'runtime', 'site']);
  assert.equal(plan.nodes.filter((n) => n.action === 'build').map((n) => n.name).sort(), ['docs', 'report', 'runtime']);
  assert.equal(plan.nodes.find((n) => n.name === 'runtime')?.reasons[0], { kind: 'changed-since', ref: base, paths: ['layers/middleware/runtime/run-job'] });
  const human = await runCli(['plan', '--since', base], { cwd: dir, engine });
  assert.match(human.out, /runtime +middleware +middleware +build +changed since [0-9a-f]{40}: layers\/middleware\/runtime\/run-job/);
});

it('build --since builds exactly what changed and its descendants', async () => {
  const r = await runCli(['build', '--since', base, '--json'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  const built = (JSON.parse(r.out) as BuildSummary).nodes.filter((n) => n.status === 'built').map((n) => n.name).sort();
  assert.equal(built, ['docs', 'report', 'runtime']);
});

it('a change of a node in chain.yaml touches that node; nothing changed touches nothing', async () => {
  git(dir, 'checkout', '--', 'layers/app/site/README.md');
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('owner: data', 'owner: web'));
  const plan = JSON.parse((await runCli(['plan', '--since', 'HEAD', '--json'], { cwd: dir, engine })).out) as Plan;
  assert.equal(plan.nodes.map((n) => n.name).sort(), ['busybox', 'corebuild', 'report', 'runtime']);
  git(dir, 'checkout', '--', 'chain.yaml');
  const none = await runCli(['plan', '--since', 'HEAD'], { cwd: dir, engine });
  assert.match(none.out, /Nothing to build: 0 up to date\.$/);
  assert.is((await runCli(['plan', '--since', 'no-such-ref'], { cwd: dir, engine })).code, 2);
});

it('a --since that git would read as an option is refused, and git never runs with it', async () => {
  const written = path.join(dir, 'written-by-git');
  const r = await runCli(['plan', `--since=--output=${written}`], { cwd: dir, engine });
  assert.is(r.code, 2, r.out);
  assert.match(r.err, /E_GIT_REF/);
  assert.not.ok(existsSync(written), 'git diff --output never ran');
});

it.run();
