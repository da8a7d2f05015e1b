// Start-up benchmark: medians of `chain --help` and of `chain plan --json` on a generated 10-node
// chain (in a temporary git repository), next to `node -e 0`, for the bundle (dist/chain.mjs, the
// bin) and the unbundled tsc output (dist/chain/main.js). Runs are interleaved, so that a busy
// machine slows every column alike. Prints figures; asserts nothing.
//   node scripts/bench-startup.mjs [--runs 15] [--nodes 10] [--cli other/chain.mjs]...
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate-chain.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, nodes: { type: 'string', default: '10' }, cli: { type: 'string', multiple: true, default: [] } } });
const runs = Number(values.runs);
const clis = { 'dist/chain.mjs': path.join(root, 'dist/chain.mjs'), 'dist/chain/main.js': path.join(root, 'dist/chain/main.js') };
for (const other of values.cli) clis[other] = path.resolve(other);

const dir = mkdtempSync(path.join(tmpdir(), 'chain-bench-startup-'));
try {
  generate(Number(values.nodes), dir);
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=b@x', '-c', 'user.name=bench', '-c', 'gc.auto=0', 'commit', '-qm', 'bench');

  const cases = [['node -e 0', [process.execPath, '-e', '0']]];
  for (const [name, file] of Object.entries(clis)) {
    cases.push([`${name} --help`, [process.execPath, file, '--help']]);
    cases.push([`${name} plan --json`, [process.execPath, file, 'plan', '--json']]);
  }
  const times = new Map(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, [cmd, ...args]] of cases) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
      if (i > 0) times.get(name).push(ms); // the first round warms the file cache
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`start-up, median of ${runs} runs (${values.nodes}-node chain for plan; engine reachable: ${spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0})`);
  for (const [name, a] of times) console.log(`${name.padEnd(34)}${median(a).toFixed(0).padStart(6)} ms   (min ${Math.min(...a).toFixed(0)})`);
} finally {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
