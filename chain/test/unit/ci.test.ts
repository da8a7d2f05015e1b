/**
 * `chain ci` through the CLI (no engine; a registry on a loopback port nothing listens on, so every
 * built node is a job), each format checked by its engine's validator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { absentEngine, exampleRepo, freePort, git, removeDirs, repoRoot, runCli, tempRepo } from '../helpers.js';
import { argoProblems, githubProblems, gitlabCiLocal, gitlabProblems } from '../ci-engines.js';
import { planOf } from '../plan-builder.js';
import { jobCommand } from '../../cli/ci-args.js';
import { gitlabPipeline } from '../../cli/render/ci-gitlab.js';
import { yamlText } from '../../config/yaml-text.js';
import { ENGINE_LIMITS, planPipeline } from '../../core/pipeline.js';

type Json = Record<string, any>;
const dirs: string[] = [];

/** A committed repository holding chain.yaml (with a registry no one answers on) and the files given. */
async function repo(chainYaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = tempRepo();
  dirs.push(dir);
  writeFileSync(path.join(dir, 'chain.yaml'), chainYaml.replace('REGISTRY', `127.0.0.1:${await freePort()}`));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'chain');
  return dir;
}

/** The example chain with `registry:`. */
async function example(): Promise<string> {
  const dir = exampleRepo();
  dirs.push(dir);
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: acme$/m, `name: acme\nregistry: 127.0.0.1:${await freePort()}/acme`));
  git(dir, 'commit', '-qam', 'registry');
  return dir;
}

/** Names no engine takes as they are: a leading digit, dots, underscores, GitLab keywords. */
const AWKWARD = `version: 1
name: awk
registry: REGISTRY/awk
teams: { ops: { members: [ops@x.example] } }
nodes:
  base: { tier: base, owner: ops, image: vendor/busybox:1.35 }
  2fa.svc: { tier: core, owner: ops, path: n/2fa.svc, from: base }
  default: { tier: core, owner: ops, path: n/default, from: base }
  a_b: { tier: middleware, owner: ops, path: n/a_b, from: [2fa.svc, default] }
  a.b: { tier: middleware, owner: ops, path: n/a.b, from: 2fa.svc }
  a-b: { tier: app, owner: ops, path: n/a-b, from: [a_b, a.b] }
  pages: { tier: app, owner: ops, path: n/pages, from: a.b }
`;
const AWKWARD_FILES = {
  'n/2fa.svc/Dockerfile': 'FROM base\n',
  'n/default/Dockerfile': 'FROM base\n',
  'n/a_b/Dockerfile': 'FROM 2fa.svc\nCOPY --from=default /etc /x\n',
  'n/a.b/Dockerfile': 'FROM 2fa.svc\n',
  'n/a-b/Dockerfile': 'FROM a_b\nCOPY --from=a.b /etc /x\n',
  'n/pages/Dockerfile': 'FROM a.b\n',
};
const AWKWARD_PARENTS: Record<string, string[]> = { '2fa.svc': [], default: [], a_b: ['2fa.svc', 'default'], 'a.b': ['2fa.svc'], 'a-b': ['a.b', 'a_b'], pages: ['a.b'] };
const EXAMPLE_PARENTS: Record<string, string[]> = { corebuild: [], httpd: ['corebuild'], runtime: ['corebuild'], site: ['httpd'], docs: ['httpd', 'runtime'], report: ['runtime'] };

const ci = (dir: string, ...args: string[]) => runCli(['ci', ...args], { cwd: dir, engine: absentEngine() });

/** Per format: each job as (the nodes it builds, the nodes of the jobs it needs, its command). */
function jobsOf(format: string, yaml: string): { nodes: string; needs: string[]; command: string }[] {
  const doc = parseYaml(yaml) as Json;
  if (format === 'github') {
    const jobs = doc.jobs as Record<string, Json>;
    return Object.values(jobs).map((j) => ({ nodes: j.env.CHAIN_NODE, needs: ((j.needs ?? []) as string[]).map((n) => jobs[n]?.env.CHAIN_NODE), command: (j.steps as Json[]).at(-1)?.run }));
  }
  if (format === 'gitlab') {
    const jobs = Object.fromEntries(Object.entries(doc).filter(([, v]) => typeof v === 'object' && v && 'script' in v)) as Record<string, Json>;
    return Object.values(jobs).map((j) => ({ nodes: j.variables.CHAIN_NODE, needs: ((j.needs ?? []) as string[]).map((n) => jobs[n]?.variables.CHAIN_NODE), command: j.script[0] }));
  }
  const templates = doc.spec.templates as Json[];
  const tasks = templates.find((t) => t.dag)?.dag.tasks as Json[];
  const nodesOf = (task: Json) => task.arguments.parameters[0].value as string;
  const script = templates.find((t) => t.container)?.container.args[0] as string;
  return tasks.map((t) => ({ nodes: nodesOf(t), needs: ((t.dependencies ?? []) as string[]).map((d) => nodesOf(tasks.find((x) => x.name === d) as Json)), command: script.replace(/^npm ci && exec /, '').replace('$CHAIN_NODE', nodesOf(t)) }));
}

async function problems(format: string, yaml: string): Promise<string[]> {
  if (format === 'github') return githubProblems(yaml);
  if (format === 'argo') return argoProblems(yaml);
  const local = gitlabCiLocal(yaml);
  return [...(local.ok ? [] : [`gitlab-ci-local: ${local.output}`]), ...gitlabProblems(yaml)];
}

const FORMATS = ['gitlab', 'github', 'argo'];

for (const [label, make, parents] of [['the example chain', example, EXAMPLE_PARENTS], ['awkward node names', () => repo(AWKWARD, AWKWARD_FILES), AWKWARD_PARENTS]] as const) {
  test(`${label}: each format passes its engine's checks, one job per node, needs = its parents, CHAIN_NODE its name`, async () => {
    const dir = await make();
    for (const format of FORMATS) {
      const r = await ci(dir, '--format', format, '--image', 'registry.example/chain-runner:1');
      assert.is(r.code, 0, r.err);
      assert.equal(await problems(format, r.out), [], `${format}:\n${r.out}`);
      const jobs = jobsOf(format, r.out);
      assert.equal(jobs.map((j) => j.nodes).sort(), Object.keys(parents).sort(), format);
      for (const job of jobs) {
        assert.equal(job.needs.sort(), parents[job.nodes], `${format}: ${job.nodes} needs`);
        assert.ok(job.command.startsWith(`npx chain build ${job.nodes} --only --push`), `${format}: ${job.command}`);
      }
    }
  });
}

test('more nodes than --max-jobs: the nodes of a wave share jobs, which still pass the checks', async () => {
  const dir = await example();
  for (const format of FORMATS) {
    const r = await ci(dir, '--format', format, '--max-jobs', '3');
    assert.is(r.code, 0, r.err);
    assert.match(r.err, /6 nodes to build, more than --max-jobs 3: nodes of a wave share jobs \(3 jobs\)/);
    assert.equal(await problems(format, r.out), [], `${format}:\n${r.out}`);
    const jobs = jobsOf(format, r.out);
    assert.is(jobs.length, 3);
    assert.equal(jobs.flatMap((j) => j.nodes.split(' ')).sort(), Object.keys(EXAMPLE_PARENTS).sort());
    const wave3 = jobs.find((j) => j.nodes.includes('site'));
    assert.equal(wave3?.nodes, 'docs report site');
    assert.ok(wave3?.command.startsWith('npx chain build docs report site --only --push'), wave3?.command);
    assert.equal(wave3?.needs, ['httpd runtime']);
  }
});

test('nothing to build: a valid pipeline of one job that says so, and a note', async () => {
  const dir = await example();
  for (const format of FORMATS) {
    const r = await ci(dir, '--format', format, '--since', 'HEAD');
    assert.is(r.code, 0, r.err);
    assert.match(r.err, /chain ci: nothing to build/);
    assert.match(r.out, /nothing-to-build/);
    assert.equal(await problems(format, r.out), [], `${format}:\n${r.out}`);
  }
});

test('pass-through flags reach every job quoted; the signing key stays a reference each engine fills', async () => {
  const dir = await example();
  const args = `--chain-args=--sign-key "$CHAIN_SIGN_KEY" --reason "nightly $CI_PIPELINE_ID"`;
  for (const format of FORMATS) {
    const r = await ci(dir, '--format', format, args, '--chain-command', 'node dist/chain/main.js');
    assert.is(r.code, 0, r.err);
    assert.equal(await problems(format, r.out), [], `${format}:\n${r.out}`);
    for (const job of jobsOf(format, r.out)) assert.ok(job.command.endsWith('--only --push --sign-key "${CHAIN_SIGN_KEY}" --reason "nightly ${CI_PIPELINE_ID}"'), job.command);
    assert.not.match(r.out, /npm ci/, 'no install when chain is not run through npx');
  }
  const github = parseYaml((await ci(dir, '--format', 'github', args)).out) as Json;
  const steps = github.jobs.corebuild.steps as Json[];
  assert.equal(steps.find((s) => s.name === 'signing key')?.env, { SIGNING_KEY: '${{ secrets.CHAIN_SIGN_KEY }}' });
  assert.equal(steps.at(-1)?.env, { CI_PIPELINE_ID: '${{ secrets.CI_PIPELINE_ID }}' });
  const argo = parseYaml((await ci(dir, '--format', 'argo', args)).out) as Json;
  const container = (argo.spec.templates as Json[]).find((t) => t.container)?.container;
  assert.ok((container.env as Json[]).some((e) => e.name === 'CHAIN_SIGN_KEY' && e.value === '/chain/signing/signing.key'));
  assert.ok((argo.spec.volumes as Json[]).some((v) => v.secret?.secretName === 'chain-signing-key'));
});

test('GitLab: a job that would need more than 50 jobs has no needs and waits for the earlier stages', () => {
  const edges: Record<string, string[]> = { base: [] };
  for (let i = 0; i < 55; i++) edges[`p-${i}`] = ['base'];
  edges.top = Object.keys(edges).filter((n) => n.startsWith('p-'));
  const pipeline = planPipeline(planOf(edges), ENGINE_LIMITS.gitlab);
  const yaml = yamlText(gitlabPipeline(pipeline, { job: jobCommand(undefined, undefined), registry: 'r/x', parallelism: 1 }));
  const local = gitlabCiLocal(yaml);
  assert.ok(local.ok, local.output);
  const top = local.jobs.find((j) => j.name === 'top');
  assert.equal([top?.stage, top?.needs], ['wave-2', undefined]);
  assert.equal(gitlabProblems(yaml), []);
});

test('--all: every built node a job without asking the registry', async () => {
  const dir = await example();
  const planned = await ci(dir, '--format', 'github');
  assert.match(planned.err, /cannot reach the registry/);
  const all = await ci(dir, '--format', 'github', '--all');
  assert.is(all.code, 0, all.err);
  assert.not.match(all.err, /registry/);
  assert.equal(jobsOf('github', all.out).map((j) => j.nodes).sort(), Object.keys(EXAMPLE_PARENTS).sort());
});

test('--json prints the same document as the YAML', async () => {
  const dir = await example();
  for (const format of FORMATS) {
    const [yaml, json] = await Promise.all([ci(dir, '--format', format), ci(dir, '--format', format, '--json')]);
    assert.equal(JSON.parse(json.out), parseYaml(yaml.out), format);
  }
});

test('chain.yaml below the top of the repository: every job names it with --file', async () => {
  const dir = await repo(AWKWARD.replace(/path: n\//g, 'path: n/'), {});
  git(dir, 'mv', 'chain.yaml', 'chain.yaml.moved');
  mkdirSync(path.join(dir, 'ops'));
  git(dir, 'mv', 'chain.yaml.moved', 'ops/chain.yaml');
  for (const [file, text] of Object.entries(AWKWARD_FILES)) {
    mkdirSync(path.dirname(path.join(dir, 'ops', file)), { recursive: true });
    writeFileSync(path.join(dir, 'ops', file), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'into ops/');
  for (const [cwd, args] of [[dir, ['--file', 'ops/chain.yaml']], [path.join(dir, 'ops'), []]] as const) {
    const r = await ci(cwd, '--format', 'gitlab', ...args);
    assert.is(r.code, 0, r.err);
    for (const job of jobsOf('gitlab', r.out)) assert.ok(job.command.includes(' --only --push --file ops/chain.yaml'), job.command);
  }
});

test('usage errors: no or an unknown --format, bad pass-through flags, --max-jobs, a chain without a registry', async () => {
  const dir = await example();
  const cases: [string[], string, RegExp][] = [
    [[], 'E_USAGE', /chain ci needs --format\n {2}hint: formats: gitlab, github, argo/],
    [['--format', 'jenkins'], 'E_USAGE', /unknown CI format 'jenkins'\n {2}hint: formats: gitlab, github, argo/],
    [['--format', 'github', '--chain-args=--push'], 'E_CI_ARGS', /--push is chain ci's to set/],
    [['--format', 'github', '--chain-args=--no-such-flag'], 'E_CI_ARGS', /chain build takes no option --no-such-flag\n {2}hint: chain build options a job may add: --sign-key/],
    [['--format', 'github', '--chain-args=--reason $(id)'], 'E_CI_ARGS', /only \$NAME and \$\{NAME\} may follow a \$/],
    [['--format', 'argo', '--max-jobs', '0'], 'E_USAGE', /--max-jobs takes a whole number from 1, not '0'/],
    [['--format', 'gitlab', 'nosuchnode'], 'E_UNKNOWN_NODE', /no node named 'nosuchnode'/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await ci(dir, ...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.ok(r.err.startsWith(`error[${code}]`), r.err);
    assert.match(r.err, pattern);
    assert.is(r.out, '');
  }
  const bare = await ci(repoRoot, '--format', 'gitlab');
  assert.is(bare.code, 2);
  assert.match(bare.err, /^error\[E_NO_REGISTRY\]: chain ci needs a registry: in /);
});

test.after(() => removeDirs(...dirs));
test.run();
