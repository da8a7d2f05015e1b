// Rebase benchmark (figures, not assertions), on the real engine, side by side in one run: the
// cascade of 1 core -> 3 middleware -> 12 apps (each node a COPY and a RUN step doing a few
// seconds of work, as a real build step does) after a patch of the core, rebuilt vs rebased, without
// tests and with one test per node. Four chains, identical but for `rebase: true` on the 15 nodes
// above the core and for `test:`. Each run patches the core, builds the core alone (the same work
// in every variant: its own files changed, so it is rebuilt), then times `chain build` of the 15
// descendants (the whole process: start, plan, rebuild or rebase, tests, promotion). The same four
// again with `registry:` set and --push, against a throwaway local registry: built and pushed vs
// rebased through the registry's API, each published under the claim protocol.
// The RUN step's work is a shell loop, sized for this machine: timed first in a container of the
// base, then given the iterations that take the seconds asked for.
//   scripts/bench-rebase [runs, default 3] [seconds of work in each RUN step, default 3]
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitRepo, removeImages, startRegistry } from './bench-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BASE = process.env.CHAIN_VENDOR_BASE ?? 'vendor/busybox:1.35';
const RUNS = Number(process.argv[2] ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function chain(args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'dist/chain/main.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`chain ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out: r.stdout };
}

const SECONDS = Number(process.argv[3] ?? 3);
const loop = (n) => `i=0; while [ $i -lt ${n} ]; do i=$((i+1)); done`;
/** Milliseconds a container of the base takes to run the loop, start and stop included (median of 3). */
function timeLoop(n) {
  return median(
    [1, 2, 3].map(() => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('docker', ['run', '--rm', '--pull', 'never', '--network', 'none', BASE, 'sh', '-c', loop(n)], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`docker run ${BASE} failed: make the vendor base first (scripts/setup)`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    }),
  );
}
const PROBE = 300000;
const perSecond = PROBE / ((timeLoop(PROBE) - timeLoop(0)) / 1000);
const ITERATIONS = Math.round(perSecond * SECONDS);
const work = loop(ITERATIONS);
console.log(`RUN step: ${ITERATIONS} iterations of a shell loop, ${SECONDS} s of work here (${Math.round(perSecond)} a second, timed in a container of ${BASE})`);
function makeChain(name, { rebase, tests, registry }) {
  const dir = mkdtempSync(path.join(tmpdir(), `chain-bench-${name}-`));
  const nodes = [{ name: 'core', tier: 'core', parent: 'base' }];
  for (let m = 0; m < 3; m++) nodes.push({ name: `mw${m}`, tier: 'middleware', parent: 'core' });
  for (let a = 0; a < 12; a++) nodes.push({ name: `app${a}`, tier: 'app', parent: `mw${a % 3}` });
  const lines = ['version: 1', `name: ${name}`, ...(registry ? [`registry: ${registry}/${name}`] : []), 'teams:', '  ops: { members: [ops@x.example] }', 'nodes:', '  base:', '    tier: base', '    owner: ops', `    image: ${BASE}`];
  for (const n of nodes) {
    lines.push(`  ${n.name}:`, `    tier: ${n.tier}`, '    owner: ops', `    path: layers/${n.name}`, `    from: ${n.parent}`);
    const folder = path.join(dir, 'layers', n.name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${n.parent}\nCOPY data.txt /${n.name}.txt\nRUN ${work}; echo ${n.name} > /built-by-${n.name}\n`);
    writeFileSync(path.join(folder, 'data.txt'), `${n.name}\n`);
    const layer = ['version: 1.0.0'];
    if (rebase && n.name !== 'core') layer.push('rebase: true');
    if (tests) layer.push('test:', `  - test -s /built-by-${n.name} && test -s /core.txt`);
    writeFileSync(path.join(folder, 'layer.yaml'), `${layer.join('\n')}\n`);
  }
  writeFileSync(path.join(dir, 'chain.yaml'), `${lines.join('\n')}\n`);
  commitRepo(dir);
  return dir;
}

const registryDir = mkdtempSync(path.join(tmpdir(), 'chain-bench-registry-'));
const registry = await startRegistry(registryDir);
const variants = [false, true].flatMap((pushed) =>
  [
    { key: 'rebuilt', rebase: false, tests: false },
    { key: 'rebased', rebase: true, tests: false },
    { key: 'rebuilt+tests', rebase: false, tests: true },
    { key: 'rebased+tests', rebase: true, tests: true },
  ].map((v) => ({ ...v, key: pushed ? `${v.key} (registry)` : v.key, ...(pushed ? { registry: registry.host, push: ['--push'] } : { push: [] }) })),
).map((v, i) => ({ ...v, name: `benchrb${i}x${process.pid}` }));
const results = Object.fromEntries(variants.map((v) => [v.key, { wall: [], perNode: [] }]));
try {
  for (const v of variants) {
    v.dir = makeChain(v.name, v);
    chain(['build', ...v.push], v.dir); // every image exists before the first patch
  }
  for (let run = 1; run <= RUNS; run++) {
    for (const v of variants) {
      appendFileSync(path.join(v.dir, 'layers/core/data.txt'), `patch ${run}\n`);
      chain(['build', 'core', ...v.push], v.dir); // the patched core: the same work in every variant, not timed
      const plan = JSON.parse(chain(['plan', '--json'], v.dir).out);
      const expected = v.rebase ? 'rebase' : 'build';
      const core = plan.nodes.find((n) => n.name === 'core');
      if (core.action !== 'skip') throw new Error(`${v.key}: the core is not current after chain build core: ${JSON.stringify(core.reasons)}`);
      const wrong = plan.nodes.filter((n) => n.kind === 'built' && n.name !== 'core' && n.action !== expected);
      if (wrong.length > 0) throw new Error(`${v.key}: expected ${expected} for the cascade, got ${wrong.map((n) => `${n.name}:${n.action}`).join(', ')}`);
      const r = chain(['build', '--json', ...v.push], v.dir);
      const summary = JSON.parse(r.out);
      if (summary.counts.built !== 15) throw new Error(`${v.key}: ${summary.counts.built} built, not 15`);
      results[v.key].wall.push(r.ms);
      results[v.key].perNode.push(median(summary.nodes.filter((n) => n.status === 'built').map((n) => n.durationMs)));
    }
    console.log(`run ${run}: ${variants.map((v) => `${v.key} ${seconds(results[v.key].wall.at(-1))}`).join(', ')}`);
  }
} finally {
  for (const v of variants) {
    removeImages(v.name);
    if (v.dir) rmSync(v.dir, { recursive: true, force: true });
  }
  await registry.stop();
  rmSync(registryDir, { recursive: true, force: true });
}

const m = (key, what = 'wall') => median(results[key][what]);
console.log('');
console.log(`1 core -> 3 middleware -> 12 apps, after a patch of the core: chain build of the 15 descendants (median of ${RUNS}; each RUN step ${SECONDS} s of work)`);
console.log('                                 rebuilt     rebased     rebuilt/rebased');
const rows = ['', ' (registry)'].flatMap((where) => [[`excluding tests${where}`, `rebuilt${where}`, `rebased${where}`], [`including tests${where}`, `rebuilt+tests${where}`, `rebased+tests${where}`]]);
for (const [label, a, b] of rows) {
  console.log(`  ${label.padEnd(29)}  ${seconds(m(a)).padEnd(10)}  ${seconds(m(b)).padEnd(10)}  ${(m(a) / m(b)).toFixed(1)}x`);
  console.log(`    one node (median)            ${seconds(m(a, 'perNode')).padEnd(10)}  ${seconds(m(b, 'perNode')).padEnd(10)}  ${(m(a, 'perNode') / m(b, 'perNode')).toFixed(1)}x`);
}
