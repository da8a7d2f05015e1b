// Generates a synthetic chain of N nodes in a temporary git repository and times `chain plan --json`
// on it (first run, then again with nothing changed), with peak memory. Prints figures; asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-chain.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// --lint: time `chain lint --json` with the repository's own policies instead of `chain plan --json`.
const lint = process.argv.includes('--lint');
const command = lint ? 'lint' : 'plan';
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

function planOnce(dir) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'scripts/peak-rss.mjs'), path.join(root, 'dist/chain.mjs'), command, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // lint exits 1 when it finds errors: the generated chain has no tests, so it does.
  if (r.status !== 0 && !(lint && r.status === 1)) throw new Error(`chain ${command} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  const rss = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  const out = JSON.parse(r.stdout);
  return { ms, rss, build: lint ? out.violations.length : out.summary.build };
}

console.log(`chain ${command} --json`);
console.log(`nodes   files    first run          again (median of 3)  ${lint ? 'violations' : 'to build'}`);
for (const n of sizes.length > 0 ? sizes : [1000, 5000, 10000]) {
  const dir = mkdtempSync(path.join(tmpdir(), `chain-bench-${n}-`));
  try {
    generate(n, dir);
    if (lint) {
      mkdirSync(path.join(dir, 'policies'));
      writeFileSync(path.join(dir, 'policies', 'supply-chain.yaml'), readFileSync(path.join(root, 'policies', 'supply-chain.yaml'), 'utf8'));
    }
    const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=b@x', '-c', 'user.name=bench', '-c', 'gc.auto=0', 'commit', '-qm', 'bench');
    const first = planOnce(dir);
    // This class of machine varies by a quarter from run to run: report the median of three.
    const again = [planOnce(dir), planOnce(dir), planOnce(dir)].sort((a, b) => a.ms - b.ms)[1];
    const files = n * 20;
    const fmt = (r) => `${(r.ms / 1000).toFixed(2)} s ${r.rss.toFixed(0).padStart(4)} MB`.padEnd(19);
    console.log(`${String(n).padEnd(8)}${String(files).padEnd(9)}${fmt(first)}${fmt(again)}${first.build}`);
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}
