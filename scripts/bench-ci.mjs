// Times `chain ci --format gitlab|github|argo` on a generated chain of N nodes (default 1000; four
// tiers, each built node a folder with a Dockerfile) committed to a temporary git repository, with
// its registry: an empty docker-registry on loopback, so every built node is a job, as on a first
// run. Like a CI job that generates the pipeline, it has no Docker Engine (DOCKER_HOST points
// nowhere); with --all, chain ci does not ask the registry. Prints the process's wall time and peak memory (first run, then the median of 3), next
// to `chain plan --json` on the same chain, with and without its registry; then, in this process, the time chain ci takes from the
// plan to the YAML text (median of 5).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-chain.mjs';
import { commitRepo, startRegistry } from './bench-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const n = Number(process.argv[2] ?? 1000);
const files = Number(process.argv[3] ?? 0);

function ciOnce(dir, format) {
  const [engine, ...more] = format.split(' ');
  const args = format === 'plan' ? ['plan', '--json'] : format === 'plan-local' ? ['plan', '--json', '--file', 'no-registry.yaml'] : ['ci', '--format', engine, '--image', 'registry.example/chain-runner:1', ...more];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'scripts/peak-rss.mjs'), path.join(root, 'dist/chain.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`chain ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  const rss = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  const jobs = /(\d+) nodes? to build in (\d+) jobs?/.exec(r.stdout);
  const build = format.startsWith('plan') ? JSON.parse(r.stdout).summary.build : Number(jobs?.[1] ?? 0);
  return { ms, rss, nodes: build, jobs: Number(jobs?.[2] ?? 0), bytes: Buffer.byteLength(r.stdout), stdout: r.stdout };
}

/** From a plan to the YAML text, in this process: what chain ci adds to chain plan. */
async function writingTimes(plan, registry) {
  const dist = (m) => import(path.join(root, 'dist/chain', m));
  const { planPipeline, ENGINE_LIMITS } = await dist('core/pipeline.js');
  const { yamlText } = await dist('config/yaml-text.js');
  const { jobCommand } = await dist('cli/ci-args.js');
  const { header } = await dist('cli/render/ci-common.js');
  const render = { gitlab: (await dist('cli/render/ci-gitlab.js')).gitlabPipeline, github: (await dist('cli/render/ci-github.js')).githubWorkflow, argo: (await dist('cli/render/ci-argo.js')).argoWorkflow };
  const settings = { job: jobCommand(undefined, undefined), registry, parallelism: 10 };
  const out = {};
  for (const format of Object.keys(render)) {
    const times = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const pipeline = planPipeline(plan, ENGINE_LIMITS[format]);
      yamlText(render[format](pipeline, settings), header(format, pipeline), { top: format !== 'argo', under: ['jobs'] });
      times.push(performance.now() - t0);
    }
    out[format] = times.slice(1).sort((a, b) => a - b)[2];
  }
  return out;
}

const work = mkdtempSync(path.join(tmpdir(), `chain-bench-ci-${n}-`));
const registryDir = path.join(work, 'registry');
const repo = path.join(work, 'repo');
mkdirSync(registryDir);
mkdirSync(repo);
const registry = await startRegistry(registryDir);
try {
  generate(n, repo, { files, registry: `${registry.host}/bench` });
  // The same chain without its registry: what reading the chain costs without the registry's answers.
  writeFileSync(path.join(repo, 'no-registry.yaml'), readFileSync(path.join(repo, 'chain.yaml'), 'utf8').replace(/^registry: .*\n/m, ''));
  commitRepo(repo);
  console.log(`chain ci on ${n} nodes (${files + 1} file${files ? 's' : ''} per built node), registry empty, no engine`);
  console.log('command            nodes  jobs  output     first run         median of 3');
  let plan;
  for (const format of ['plan-local', 'plan', 'gitlab', 'github', 'argo', 'gitlab --all', 'github --all', 'argo --all']) {
    const first = ciOnce(repo, format);
    const again = [ciOnce(repo, format), ciOnce(repo, format), ciOnce(repo, format)].sort((a, b) => a.ms - b.ms)[1];
    const fmt = (r) => `${(r.ms / 1000).toFixed(2)} s ${r.rss.toFixed(0).padStart(4)} MB`.padEnd(18);
    if (format === 'plan') plan = JSON.parse(first.stdout);
    const label = { 'plan-local': 'plan, no reg.', plan: 'plan --json' }[format] ?? `ci ${format}`;
    console.log(`${label.padEnd(19)}${String(first.nodes).padEnd(7)}${String(first.jobs).padEnd(6)}${`${Math.round(first.bytes / 1024)} KB`.padEnd(11)}${fmt(first)}${fmt(again)}`.trimEnd());
  }
  const writing = await writingTimes(plan, `${registry.host}/bench`);
  console.log(`from the plan to the YAML (in process, median of 5): ${Object.entries(writing).map(([f, ms]) => `${f} ${ms.toFixed(0)} ms`).join(', ')}`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
}
