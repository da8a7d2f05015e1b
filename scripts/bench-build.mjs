// Build benchmarks (figures, not assertions), on the real engine:
//  1. one trivial node through chain vs `docker build` on the same context, cache busted each run;
//  2. a cascade on a generated chain (1 base, 1 core, 3 middleware, 12 apps, each with a small RUN
//     step): after patching the core build, `chain build` vs the same nodes built one after another
//     with `docker build`;
//  3. jobs1: `chain build --jobs 1` of a 20-node chain against the same Dockerfiles built and tested
//     one after another with `docker build` and `docker run`;
//  4. noop: a no-op `chain build` of a 1,000-node chain whose images all exist, beside its `chain plan`.
// Arguments: [one|cascade [jobs]|jobs1 [runs]|noop [nodes]|all]
// The first two run chain under both builders, side by side (--builder classic | buildkit); the
// docker CLI here has no buildx, so its figures are the classic builder's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitRepo, removeImages } from './bench-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BASE = process.env.CHAIN_VENDOR_BASE ?? 'vendor/busybox:1.35';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function timed(cmd, args, cwd, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const chain = (args, cwd) => timed(process.execPath, [path.join(root, 'dist/chain.mjs'), ...args], cwd);
const docker = (args, cwd) => timed('docker', args, cwd, { DOCKER_BUILDKIT: '0' }); // the classic builder, as chain uses

/** A chain in a temporary git repository: nodes = [{name, tier, parents, dockerfile}] */
function makeChain(name, nodes, layerYaml = () => undefined) {
  const dir = mkdtempSync(path.join(tmpdir(), `chain-bench-${name}-`));
  const lines = ['version: 1', `name: ${name}`, 'teams:', '  ops: { members: [ops@x.example] }', 'nodes:', '  base:', '    tier: base', '    owner: ops', `    image: ${BASE}`];
  for (const n of nodes) {
    lines.push(`  ${n.name}:`, `    tier: ${n.tier}`, '    owner: ops', `    path: layers/${n.name}`, `    from: [${n.parents.join(', ')}]`);
    mkdirSync(path.join(dir, 'layers', n.name), { recursive: true });
    writeFileSync(path.join(dir, 'layers', n.name, 'Dockerfile'), n.dockerfile);
    writeFileSync(path.join(dir, 'layers', n.name, 'data.txt'), `${n.name}\n`);
    const layer = layerYaml(n);
    if (layer) writeFileSync(path.join(dir, 'layers', n.name, 'layer.yaml'), layer);
  }
  writeFileSync(path.join(dir, 'chain.yaml'), `${lines.join('\n')}\n`);
  commitRepo(dir);
  return dir;
}
function benchOneNode() {
  const name = `bench1x${process.pid}`;
  const dir = makeChain(name, [{ name: 'one', tier: 'core', parents: ['base'], dockerfile: 'FROM base\nCOPY data.txt /data.txt\n' }]);
  const ctx = path.join(dir, 'layers/one');
  writeFileSync(path.join(dir, 'cli.Dockerfile'), `FROM ${BASE}\nCOPY data.txt /data.txt\n`);
  // The labels chain puts on every image, given to the CLI the usual way (--label).
  const labels = ['title', 'source', 'version', 'revision', 'base.name', 'base.digest'].flatMap((k) => ['--label', `org.opencontainers.image.${k}=x`]);
  const runs = { process: [], node: [], kitProcess: [], kitNode: [], cli: [], cliLabels: [] };
  const bust = (tag) => writeFileSync(path.join(ctx, 'data.txt'), `${tag} ${Math.random()}\n`);
  for (let i = 0; i < 7; i++) {
    bust('chain');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(root, 'dist/chain.mjs'), 'build', 'one', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    runs.process.push(Number(process.hrtime.bigint() - t0) / 1e6);
    runs.node.push(JSON.parse(r.stdout).nodes.find((n) => n.name === 'one').durationMs);
    bust('chain-kit');
    const t1 = process.hrtime.bigint();
    const k = spawnSync(process.execPath, [path.join(root, 'dist/chain/main.js'), 'build', 'one', '--json', '--builder', 'buildkit'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    runs.kitProcess.push(Number(process.hrtime.bigint() - t1) / 1e6);
    runs.kitNode.push(JSON.parse(k.stdout).nodes.find((n) => n.name === 'one').durationMs);
    bust('cli');
    runs.cli.push(docker(['build', '-q', '-f', path.join(dir, 'cli.Dockerfile'), '-t', `${name}/cli:latest`, ctx], dir));
    bust('cli-labels');
    runs.cliLabels.push(docker(['build', '-q', ...labels, '-f', path.join(dir, 'cli.Dockerfile'), '-t', `${name}/cli:latest`, ctx], dir));
  }
  removeImages(name);
  spawnSync('docker', ['rmi', '-f', `${name}/cli:latest`], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  const [p, n, c, cl, kp, kn] = [runs.process, runs.node, runs.cli, runs.cliLabels, runs.kitProcess, runs.kitNode].map(median);
  console.log('one trivial node, cache busted each run (medians of 7):');
  console.log(`  docker build (classic builder)                 ${seconds(c)}`);
  console.log(`  docker build with the same 6 OCI labels        ${seconds(cl)}`);
  console.log(`  chain: the node's build (pack, build, label, tag) ${seconds(n)}  ratio ${(n / c).toFixed(2)} to plain, ${(n / cl).toFixed(2)} to labelled`);
  console.log(`  chain: the whole process (start, lock, plan, build, promote) ${seconds(p)}  ratio ${(p / c).toFixed(2)}`);
  console.log('  builder side by side:        classic   buildkit');
  console.log(`    the node's build           ${seconds(n).padEnd(9)} ${seconds(kn)}`);
  console.log(`    the whole process          ${seconds(p).padEnd(9)} ${seconds(kp)}`);
}

function benchCascade() {
  const name = `bench17x${process.pid}`;
  const run = (n) => `RUN echo ${n} > /built-by && for i in 1 2 3 4 5 6 7 8 9 10; do cat /data.txt >> /log; done\n`;
  const nodes = [{ name: 'core', tier: 'core', parents: ['base'], dockerfile: `FROM base\nCOPY data.txt /data.txt\n${run('core')}` }];
  for (let m = 0; m < 3; m++) nodes.push({ name: `mw${m}`, tier: 'middleware', parents: ['core'], dockerfile: `FROM core\nCOPY data.txt /mw${m}.txt\n${run(`mw${m}`)}` });
  for (let a = 0; a < 12; a++) nodes.push({ name: `app${a}`, tier: 'app', parents: [`mw${a % 3}`], dockerfile: `FROM mw${a % 3}\nCOPY data.txt /app${a}.txt\n${run(`app${a}`)}` });
  const dir = makeChain(name, nodes);
  chain(['build'], dir); // everything exists before the patch, under both builders
  chain(['build', '--builder', 'buildkit'], dir);
  const ratios = [];
  const kits = [];
  for (let i = 0; i < 3; i++) {
    appendFileSync(path.join(dir, 'layers/core/data.txt'), `patch ${i} ${Math.random()}\n`);
    const c = chain(['build', ...jobsArgs], dir);
    appendFileSync(path.join(dir, 'layers/core/data.txt'), `kit patch ${i} ${Math.random()}\n`);
    const k = chain(['build', '--builder', 'buildkit', ...jobsArgs], dir);
    kits.push(k);
    // The same 16 nodes, one after another, with the docker CLI: each FROM a local tag of its parent.
    appendFileSync(path.join(dir, 'layers/core/data.txt'), `cli patch ${i} ${Math.random()}\n`);
    spawnSync('docker', ['tag', BASE, `${name}-base:latest`]);
    let d = 0;
    for (const n of nodes) {
      const dockerfile = path.join(dir, `${n.name}.cli.Dockerfile`);
      writeFileSync(dockerfile, n.dockerfile.replace(/^FROM (\S+)/m, (_, p) => `FROM ${name}-${p}:latest`));
      d += docker(['build', '-q', '-f', dockerfile, '-t', `${name}-${n.name}:latest`, path.join(dir, 'layers', n.name)], dir);
    }
    ratios.push({ c, d });
    console.log(`  cascade run ${i + 1}: chain build ${seconds(c)} (buildkit ${seconds(k)}) vs sequential docker build ${seconds(d)}: ratio ${(c / d).toFixed(2)} (buildkit ${(k / d).toFixed(2)})`);
  }
  const r = median(ratios.map((x) => x.c / x.d));
  const rk = median(ratios.map((x, i) => kits[i] / x.d));
  console.log(`cascade after patching the core build (16 nodes rebuilt, ${jobsArgs.join(' ') || '--jobs default'}): median ratio ${r.toFixed(2)} classic, ${rk.toFixed(2)} buildkit`);
  console.log(`  builder side by side: classic ${seconds(median(ratios.map((x) => x.c)))}, buildkit ${seconds(median(kits))} (medians of 3)`);
  removeImages(name);
  spawnSync('sh', ['-c', `docker images --format '{{.Repository}}' | grep '^${name}-' | xargs -r docker rmi -f`], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `chain build --jobs 1` of a 20-node chain (1 core, 3 middleware, 16 apps: a COPY each and one
 * test) against the same Dockerfiles built one after another with `docker build`, each image's test
 * run with `docker run` under the limits chain gives a test container. Both are cache busted by a
 * patch of the core's file; runs are interleaved (chain, docker, chain, ...) on a noisy machine.
 * `jobs1 [runs] notest`: the same without tests.
 */
function benchJobs1(runs = 5, tests = true) {
  const name = `benchj1x${process.pid}`;
  const nodes = [{ name: 'core', tier: 'core', parents: ['base'], dockerfile: 'FROM base\nCOPY data.txt /core.txt\n' }];
  for (let m = 0; m < 3; m++) nodes.push({ name: `mw${m}`, tier: 'middleware', parents: ['core'], dockerfile: `FROM core\nCOPY data.txt /mw${m}.txt\n` });
  for (let a = 0; a < 16; a++) nodes.push({ name: `app${a}`, tier: 'app', parents: [`mw${a % 3}`], dockerfile: `FROM mw${a % 3}\nCOPY data.txt /app${a}.txt\n` });
  const test = (n) => `test -s /${n.name}.txt`;
  const dir = makeChain(name, nodes, (n) => (tests ? `test:\n  - ${test(n)}\n` : undefined));
  chain(['build', '--jobs', '1'], dir); // warm: the bundle read once, the base in the page cache
  for (const n of nodes) writeFileSync(path.join(dir, `${n.name}.cli.Dockerfile`), n.dockerfile.replace(/^FROM (\S+)/m, (_, p) => `FROM ${name}-${p}:latest`));
  spawnSync('docker', ['tag', BASE, `${name}-base:latest`]);
  const limits = ['--network', 'none', '--memory', '512m', '--memory-swap', '512m', '--pids-limit', '256', '--cpus', '1'];
  const pairs = [];
  const cliImages = new Set();
  for (let i = 0; i < runs; i++) {
    appendFileSync(path.join(dir, 'layers/core/data.txt'), `patch ${i} ${Math.random()}\n`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(root, 'dist/chain.mjs'), 'build', '--jobs', '1', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
    const c = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`chain build failed (${r.status}):\n${r.stderr.slice(-3000)}`);
    const summary = JSON.parse(r.stdout);
    const built = summary.nodes.filter((n) => n.status === 'built');
    if (built.length !== nodes.length) throw new Error(`chain built ${built.length} of ${nodes.length} nodes`);
    const nodeMs = built.reduce((sum, n) => sum + n.durationMs, 0);
    appendFileSync(path.join(dir, 'layers/core/data.txt'), `cli patch ${i} ${Math.random()}\n`);
    let d = 0;
    for (const n of nodes) {
      const image = `${name}-${n.name}:latest`;
      d += docker(['build', '-q', '-f', path.join(dir, `${n.name}.cli.Dockerfile`), '-t', image, path.join(dir, 'layers', n.name)], dir);
      cliImages.add(execFileSync('docker', ['images', '-q', '--no-trunc', image], { encoding: 'utf8' }).trim()); // each run's image is left untagged by the next
      if (tests) d += docker(['run', '--rm', ...limits, '--entrypoint', '/bin/sh', image, '-c', test(n)], dir);
    }
    pairs.push({ c, d, nodeMs });
    console.log(`  run ${i + 1}: chain build --jobs 1 ${seconds(c)} (its nodes ${seconds(nodeMs)}) vs serial docker build${tests ? ' + docker run' : ''} ${seconds(d)}: ratio ${(c / d).toFixed(2)}  [load ${loadavg()[0].toFixed(2)}]`);
  }
  const [c, d, n] = [pairs.map((x) => x.c), pairs.map((x) => x.d), pairs.map((x) => x.nodeMs)].map(median);
  console.log(`jobs1: chain build --jobs 1 of 20 nodes (COPY${tests ? ' + 1 test' : ', no test'} each), median of ${runs}: ${seconds(c)} vs serial docker loop ${seconds(d)}: ratio ${median(pairs.map((x) => x.c / x.d)).toFixed(2)}`);
  console.log(`  per node: chain ${(c / nodes.length).toFixed(0)} ms (inside its nodes ${(n / nodes.length).toFixed(0)} ms) vs docker ${(d / nodes.length).toFixed(0)} ms; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  removeImages(name);
  spawnSync('sh', ['-c', `docker images --format '{{.Repository}}' | grep '^${name}-' | xargs -r -I{} docker rmi -f {}:latest`], { stdio: 'ignore' });
  for (let pass = 0; pass < 2; pass++) spawnSync('docker', ['rmi', ...[...cliImages].filter(Boolean).reverse()], { stdio: 'ignore' }); // children first; never forced
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A no-op `chain build` of an N-node chain (default 1,000) whose images all exist, next to
 * `chain plan` of the same chain (what a build costs beyond its plan: the lock, the records, the
 * run). Built first with `--jobs 4` from Dockerfiles that are only a FROM: under the classic
 * builder such a build makes no step, and the labels go on without a container, ~0.1 s a node.
 */
function benchNoop(count = 1000, runs = 5) {
  const name = `benchnoopx${process.pid}`;
  const nodes = [];
  const cores = Math.max(1, Math.round(count / 250));
  const mws = Math.max(1, Math.round(count / 25));
  for (let c = 0; c < cores; c++) nodes.push({ name: `core${c}`, tier: 'core', parents: ['base'], dockerfile: 'FROM base\n' });
  for (let m = 0; m < mws; m++) nodes.push({ name: `mw${m}`, tier: 'middleware', parents: [`core${m % cores}`], dockerfile: `FROM core${m % cores}\n` });
  for (let a = 0; nodes.length < count; a++) nodes.push({ name: `app${a}`, tier: 'app', parents: [`mw${a % mws}`], dockerfile: `FROM mw${a % mws}\n` });
  const dir = makeChain(name, nodes);
  const first = chain(['build', '--jobs', '4'], dir);
  const builds = [];
  const plans = [];
  for (let i = 0; i < runs; i++) {
    builds.push(chain(['build'], dir));
    plans.push(chain(['plan'], dir));
  }
  const images = execFileSync('docker', ['info', '--format', '{{.Images}}'], { encoding: 'utf8' }).trim();
  console.log(`noop: chain build of a ${count}-node chain whose images all exist: ${seconds(median(builds))}; chain plan of it ${seconds(median(plans))} (medians of ${runs}, interleaved; building it from nothing with --jobs 4 took ${seconds(first)})`);
  console.log(`  the engine held ${images} images; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  removeImages(name);
  rmSync(dir, { recursive: true, force: true });
}

const which = process.argv[2] ?? 'all';
const jobsArgs = which === 'cascade' && process.argv[3] ? ['--jobs', process.argv[3]] : []; // cascade: compare --jobs values
if (which === 'all' || which === 'one') benchOneNode();
if (which === 'all' || which === 'cascade') benchCascade();
if (which === 'all' || which === 'jobs1') benchJobs1(Number(process.argv[3] ?? 5), process.argv[4] !== 'notest');
if (which === 'all' || which === 'noop') benchNoop(Number(process.argv[3] ?? 1000));
