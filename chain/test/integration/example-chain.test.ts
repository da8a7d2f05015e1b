/**
 * The example chain against the real Docker Engine and real git: build, edit, plan exactly the
 * descendants, rebuild exactly those, and nothing for an ignored file.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import { chainContainers, exampleChain, git, removeChainImages, removeDirs, runCli } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('example chain');

async function planJson(): Promise<Plan> {
  const r = await runCli(['plan', '--json'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as Plan;
}
async function build(...args: string[]): Promise<{ code: number; summary: BuildSummary; err: string }> {
  const r = await runCli(['build', '--json', ...args], { cwd: dir, engine });
  return { code: r.code, summary: JSON.parse(r.out) as BuildSummary, err: r.err };
}
const toBuild = (p: Plan) => p.nodes.filter((n) => n.action === 'build').map((n) => n.name).sort();
const statuses = (s: BuildSummary) => Object.fromEntries(s.nodes.map((n) => [n.name, n.status]));

it.before(async () => {
  await engine.ping(); // the engine must be there: integration tests never skip
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('a first build builds every node, tags fingerprint and version, never latest', async () => {
  const plan = await planJson();
  assert.equal(toBuild(plan), ['corebuild', 'docs', 'httpd', 'report', 'runtime', 'site']);
  assert.ok(plan.nodes.filter((n) => n.action === 'build').every((n) => n.reasons[0]?.kind === 'never-built'));
  const { code, summary, err } = await build();
  assert.is(code, 0, err);
  assert.is(summary.counts.built, 6);
  const core = summary.nodes.find((n) => n.name === 'corebuild');
  assert.equal(core?.tags.map((t) => t.split(':')[1]?.replace(/^fp-[0-9a-f]{12}$/, 'fp').replace(summary.buildId, 'ID')), ['fp', '1.0.0', '1.0.0-ID']);
  assert.ok(summary.nodes.every((n) => n.tags.every((t) => !t.endsWith(':latest'))));
});

it('built images carry the OCI and chain labels, and each child sits on its parent', async () => {
  const site = await engine.inspect(`${name}/site:1.0.0`);
  const httpd = await engine.inspect(`${name}/httpd:2.4.0`);
  assert.ok(site && httpd);
  const labels = site.labels;
  assert.is(labels['org.opencontainers.image.title'], 'site');
  assert.is(labels['org.opencontainers.image.version'], '1.0.0');
  assert.is(labels['org.opencontainers.image.revision'], git(dir, 'rev-parse', 'HEAD').trim());
  assert.ok(labels['org.opencontainers.image.source']?.endsWith('layers/app/site'));
  assert.match(labels['org.opencontainers.image.base.name'] ?? '', new RegExp(`^${name}/httpd:fp-[0-9a-f]{12}$`));
  assert.is(labels['org.opencontainers.image.base.digest'], httpd.id);
  assert.is(labels['dev.chain.owner'], 'web');
  assert.is(labels['dev.chain.tier'], 'app');
  assert.match(labels['dev.chain.fingerprint'] ?? '', /^[0-9a-f]{64}$/);
});

it('the state folder ignores itself: records and logs never show up as changes', async () => {
  assert.is(git(dir, 'status', '--porcelain', '--untracked-files=all'), '');
});

it('a second build with nothing changed builds nothing and says so', async () => {
  const r = await runCli(['build'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'Nothing to build: 6 up to date.');
});

it('editing an ignored file changes nothing', async () => {
  appendFileSync(path.join(dir, 'layers/app/site/README.md'), 'more notes\n');
  writeFileSync(path.join(dir, 'layers/app/site/notes/new.txt'), 'draft\n');
  assert.equal(toBuild(await planJson()), []);
});

it('editing one core file marks exactly core and its descendants, with reasons', async () => {
  appendFileSync(path.join(dir, 'layers/core/corebuild/etc/motd'), 'Patched.\n');
  const plan = await planJson();
  assert.equal(toBuild(plan), ['corebuild', 'docs', 'httpd', 'report', 'runtime', 'site']);
  const reasons = Object.fromEntries(plan.nodes.map((n) => [n.name, n.reasons]));
  assert.equal(reasons.corebuild, [{ kind: 'files-changed', paths: ['etc/motd'], added: [], removed: [], modified: ['etc/motd'] }]);
  assert.equal(reasons.httpd, [{ kind: 'parent-rebuilt', parent: 'corebuild' }]);
  assert.equal(reasons.docs, [
    { kind: 'parent-rebuilt', parent: 'httpd' },
    { kind: 'parent-rebuilt', parent: 'runtime' },
  ]);
  assert.equal(plan.nodes.find((n) => n.name === 'busybox')?.action, 'skip');
});

it('the rebuild builds exactly those, and the plan is then empty', async () => {
  const { code, summary } = await build();
  assert.is(code, 0);
  assert.equal(statuses(summary), { corebuild: 'built', httpd: 'built', runtime: 'built', docs: 'built', report: 'built', site: 'built' });
  assert.equal(toBuild(await planJson()), []);
});

it('a change in one middleware rebuilds only its subtree', async () => {
  appendFileSync(path.join(dir, 'layers/middleware/runtime/run-job'), '# touched\n');
  const { summary } = await build();
  assert.equal(statuses(summary), { corebuild: 'up-to-date', httpd: 'up-to-date', runtime: 'built', docs: 'built', report: 'built', site: 'up-to-date' });
});

it('a failing build fails its node, blocks only its descendants, leaves no container', async () => {
  appendFileSync(path.join(dir, 'layers/middleware/httpd/Dockerfile'), 'RUN echo broken >&2 && exit 3\n');
  const { code, summary } = await build();
  assert.is(code, 1);
  assert.equal(statuses(summary), { corebuild: 'up-to-date', httpd: 'failed', runtime: 'up-to-date', docs: 'blocked', report: 'up-to-date', site: 'blocked' });
  const httpd = summary.nodes.find((n) => n.name === 'httpd');
  // The summary says which Dockerfile line failed and what the step printed last.
  assert.is(httpd?.error, 'layers/middleware/httpd/Dockerfile:10: RUN exited with code 3');
  assert.equal(httpd?.failedStep?.output, ['broken']);
  assert.is(httpd?.failedStep?.line, 10);
  assert.ok(httpd?.log?.endsWith('.chain/logs/httpd.log'));
  assert.equal(summary.nodes.find((n) => n.name === 'site')?.blockedBy, 'httpd');
  // The failed RUN step's container is named in httpd's log: neither it nor a test container is left.
  assert.match(readFileSync(path.join(dir, '.chain/logs/httpd.log'), 'utf8'), / ---> Running in [0-9a-f]{12}/);
  assert.equal(await chainContainers(engine, { dir, name }).left(), []);
});

it('a Dockerfile the engine rejects is a failed node too, with one line', async () => {
  writeFileSync(path.join(dir, 'layers/middleware/httpd/Dockerfile'), 'FROM corebuild\nCOPY missing-file /x\nUSER 10001\n');
  const { code, summary } = await build('httpd');
  assert.is(code, 1);
  assert.match(summary.nodes.find((n) => n.name === 'httpd')?.error ?? '', /missing-file/);
});

it('after the fix, only the failed node and its descendants build', async () => {
  git(dir, 'checkout', '--', 'layers/middleware/httpd/Dockerfile');
  appendFileSync(path.join(dir, 'layers/middleware/httpd/Dockerfile'), 'RUN echo fixed > /tmp/fixed\n');
  const { code, summary } = await build();
  assert.is(code, 0);
  assert.equal(statuses(summary), { corebuild: 'up-to-date', httpd: 'built', runtime: 'up-to-date', docs: 'built', report: 'up-to-date', site: 'built' });
});

it('the example chain passes its own policies; build refuses a node that breaks an error rule', async () => {
  const lint = await runCli(['lint'], { cwd: dir, engine });
  assert.is(lint.code, 0, lint.out);
  assert.is(lint.out, 'No policy violations.');
  appendFileSync(path.join(dir, 'layers/app/site/Dockerfile'), 'USER root\n');
  const before = await engine.imagesByTag(name);
  const r = await runCli(['build'], { cwd: dir, engine });
  assert.is(r.code, 1);
  assert.match(r.err, /error\[E_POLICY\]: non-root: site: the image runs as root: its final stage ends with USER root/);
  assert.match(r.err, /--> layers\/app\/site\/Dockerfile:5:1/);
  assert.is(r.out, '', 'nothing was built');
  assert.equal(await engine.imagesByTag(name), before);
  git(dir, 'checkout', '--', 'layers/app/site/Dockerfile');
});

it.run();
