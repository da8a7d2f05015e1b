/** chain ci's pure half: which jobs a plan becomes, their needs, names each engine takes, limits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobNames } from '../../core/ci-names.js';
import { ChainError } from '../../core/errors.js';
import { chunk, ENGINE_LIMITS, planPipeline, shareJobs, type CiEngine, type CiPipeline } from '../../core/pipeline.js';
import type { Plan } from '../../core/plan.js';
import { planOf } from '../plan-builder.js';

const example = { base: [], corebuild: ['base'], httpd: ['corebuild'], runtime: ['corebuild'], site: ['httpd'], docs: ['httpd', 'runtime'], report: ['runtime'] };

test('a job per node to build, needing the jobs of its parents that are in the pipeline', () => {
  const p = planPipeline(planOf(example), ENGINE_LIMITS.gitlab);
  assert.equal(p.jobs.map((j) => j.key), ['corebuild', 'httpd', 'runtime', 'docs', 'report', 'site']);
  assert.equal(Object.fromEntries(p.jobs.map((j) => [j.key, j.needs])), { corebuild: [], httpd: ['corebuild'], runtime: ['corebuild'], docs: ['httpd', 'runtime'], report: ['runtime'], site: ['httpd'] });
  assert.equal(p.waves, [1, 2, 3]);
  assert.is(p.grouped, false);
});

test('nodes current in the store, held or external are no jobs, and no job needs them', () => {
  const p = planPipeline(planOf(example, { corebuild: 'skip', runtime: 'skip', report: 'hold' }), ENGINE_LIMITS.github);
  assert.equal(p.jobs.map((j) => [j.key, j.needs]), [['httpd', []], ['docs', ['httpd']], ['site', ['httpd']]]);
  assert.equal(p.held, ['report']);
  assert.is(p.upToDate, 2);
});

test('--all: every built node is a job, current or not, but not those held', () => {
  const p = planPipeline(planOf(example, { corebuild: 'skip', runtime: 'skip', report: 'hold' }), ENGINE_LIMITS.github, true);
  assert.equal(p.jobs.map((j) => [j.key, j.needs]), [['corebuild', []], ['httpd', ['corebuild']], ['runtime', ['corebuild']], ['docs', ['httpd', 'runtime']], ['site', ['httpd']]]);
});

test('an empty plan is a pipeline without jobs', () => {
  const p = planPipeline(planOf(example, { corebuild: 'skip', httpd: 'skip', runtime: 'skip', site: 'skip', docs: 'skip', report: 'skip' }), ENGINE_LIMITS.argo);
  assert.equal(p.jobs, []);
  assert.equal(p.waves, []);
  assert.is(p.upToDate, 6);
});

/** 1 core, 12 middleware nodes on it, 60 apps on them (every fifth on two). */
function wide(): Record<string, string[]> {
  const edges: Record<string, string[]> = { base: [], core: ['base'] };
  for (let i = 0; i < 12; i++) edges[`mw-${i}`] = ['core'];
  for (let i = 0; i < 60; i++) edges[`app-${i}`] = i % 5 === 0 ? [`mw-${i % 12}`, `mw-${(i + 1) % 12}`] : [`mw-${i % 12}`];
  return edges;
}

function checkGrouped(p: CiPipeline, plan: Plan, edges: Record<string, string[]>, maxJobs: number): void {
  const waveOf = new Map(plan.nodes.map((n) => [n.name, n.wave]));
  assert.ok(p.jobs.length <= maxJobs, `${p.jobs.length} jobs`);
  const jobOf = new Map(p.jobs.flatMap((j) => j.nodes.map((n) => [n, j] as const)));
  assert.is(jobOf.size, p.nodes.length, 'every node in exactly one job');
  assert.is(p.jobs.reduce((s, j) => s + j.nodes.length, 0), p.nodes.length);
  for (const job of p.jobs) {
    assert.ok(job.nodes.every((n) => waveOf.get(n) === job.wave), `${job.key} holds nodes of its wave only`);
    const wanted = new Set(job.nodes.flatMap((n) => (edges[n] ?? []).filter((parent) => jobOf.has(parent)).map((parent) => jobOf.get(parent)?.key)));
    assert.equal(job.needs, [...wanted].sort(), `${job.key} needs the jobs of its nodes' parents`);
    for (const k of job.needs) assert.ok((p.jobs.find((j) => j.key === k)?.wave ?? 99) < job.wave, `${job.key} needs an earlier wave`);
  }
}

test('more nodes than the engine takes jobs: nodes of one wave share jobs, needs between the groups', () => {
  const edges = wide();
  const plan = planOf(edges);
  const p = planPipeline(plan, { maxJobs: 8, maxNeeds: Number.POSITIVE_INFINITY });
  assert.is(p.grouped, true);
  assert.is(p.jobs.length, 8);
  checkGrouped(p, plan, edges, 8);
  assert.equal(p.jobs[0]?.nodes, ['core'], 'a group of one keeps its node name');
  assert.ok(p.jobs.some((j) => j.key.startsWith('wave-3/') && j.base.startsWith('wave-3-')));
  // Under the limit nothing is grouped.
  assert.is(planPipeline(plan, { maxJobs: 73, maxNeeds: 50 }).grouped, false);
  checkGrouped(planPipeline(plan, { maxJobs: 3, maxNeeds: 50 }), plan, edges, 3);
  checkGrouped(planPipeline(plan, { maxJobs: 72, maxNeeds: 50 }), plan, edges, 72);
});

test('a job needing more jobs than the engine allows drops its needs (GitLab then waits for the earlier stages)', () => {
  const edges: Record<string, string[]> = { base: [], top: [] };
  for (let i = 0; i < 60; i++) edges[`p-${i}`] = ['base'];
  edges.top = Object.keys(edges).filter((n) => n.startsWith('p-'));
  const p = planPipeline(planOf(edges), ENGINE_LIMITS.gitlab);
  const top = p.jobs.find((j) => j.key === 'top');
  assert.equal([top?.needsDropped, top?.needs], [true, []]);
  assert.ok(p.jobs.filter((j) => j.key !== 'top').every((j) => !j.needsDropped));
  assert.is(planPipeline(planOf(edges), ENGINE_LIMITS.github).jobs.find((j) => j.key === 'top')?.needs.length, 60);
});

test('more waves than jobs allowed is a typed error', () => {
  const deep: Record<string, string[]> = { base: [], a: ['base'], b: ['a'], c: ['b'], d: ['c'], e: ['d'] };
  try {
    planPipeline(planOf(deep), { maxJobs: 3, maxNeeds: 50 });
    assert.unreachable('no error');
  } catch (err) {
    assert.instance(err, ChainError);
    assert.is((err as ChainError).code, 'E_CI_LIMIT');
  }
});

test('jobs are shared out by load; runs are cut evenly', () => {
  assert.equal(shareJobs([1, 100, 10], 10), [1, 8, 1]);
  assert.equal(shareJobs([2, 2], 10), [2, 2]);
  assert.equal(chunk([1, 2, 3, 4, 5, 6, 7], 3), [[1, 2, 3], [4, 5], [6, 7]]);
  assert.equal(chunk([1], 3), [[1]]);
});

const awkward = ['2fa.svc', 'default', 'a.b', 'a_b', 'a-b', 'a__b', 'pages', 'image', 'wave-1-1', 'x'.repeat(128)];
const jobsOf = (names: string[]) => [...names.map((n) => ({ key: n, base: n })), { key: 'wave-1/1', base: 'wave-1-1' }];
const PATTERNS: Record<CiEngine, RegExp> = { github: /^[A-Za-z_][A-Za-z0-9_-]*$/, argo: /^[a-zA-Z0-9][-a-zA-Z0-9]*$/, gitlab: /^[^.]/ };

test('job names each engine accepts: valid, unique, at most 63 characters, the same every time', () => {
  for (const engine of ['gitlab', 'github', 'argo'] as const) {
    const names = jobNames(engine, jobsOf(awkward));
    const values = [...names.values()];
    assert.is(new Set(values).size, values.length, `${engine}: unique`);
    for (const v of values) {
      assert.ok(PATTERNS[engine].test(v) && v.length <= 63, `${engine}: ${v}`);
      if (engine === 'gitlab') assert.not.ok(['default', 'image', 'pages', 'stages', 'variables'].includes(v), v);
    }
    assert.equal(jobNames(engine, jobsOf(awkward)), names, 'deterministic');
    assert.equal(jobNames(engine, jobsOf([...awkward].reverse())), names, 'whatever the order');
  }
  const plain = jobNames('github', [{ key: 'httpd', base: 'httpd' }, { key: 'a_b', base: 'a_b' }]);
  assert.equal([...plain.values()], ['httpd', 'a_b'], 'a name the engine takes stays as it is');
  assert.is(jobNames('gitlab', jobsOf(awkward)).get('2fa.svc'), '2fa.svc');
  assert.match(jobNames('github', jobsOf(awkward)).get('2fa.svc') ?? '', /^_2fa_svc-[0-9a-f]{8}$/);
});

test.run();
