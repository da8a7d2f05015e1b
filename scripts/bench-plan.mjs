// Plans the same generated workspace with chain and with Turborepo, side by side in one run, and
// prints wall time, peak memory and the ratio (medians; figures, not assertions). Each generated
// node is a folder with a Dockerfile for chain and a package.json for Turborepo (same folders, same
// graph, committed to a temporary git repository). Turborepo is installed from npm into a
// temporary folder. Scenarios: the full plan with nothing built; one file changed in a middleware
// node (`chain plan --since HEAD^1` vs `turbo run build --dry=json --filter=...[HEAD^1]`); git's own
// floor for each (`ls-files -s`, `diff --name-only`). `--lint` adds `chain lint --json`. `--built`
// builds every node (`chain build`, on the local vendor base; minutes at 1,000 nodes) and adds the
// full plan of the built chain; the images are removed afterwards (only this run's: the chain's name
// is unique to it).
//   scripts/bench-plan [N...] [--runs K] [--lint] [--built] [--no-turbo]
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-chain.mjs';
import { commitRepo, removeImages } from './bench-lib.mjs';

const TURBO_VERSION = '2.11.11';
const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 3;
const sizes = argv.filter((a, i) => /^\d+$/.test(a) && argv[i - 1] !== '--runs').map(Number);
const chainBin = process.env.CHAIN_BIN ?? path.join(root, 'dist/chain.mjs');
const VENDOR_BASE = process.env.CHAIN_VENDOR_BASE ?? 'vendor/busybox:1.35';

function timed(cmd, args, cwd, ok = [0]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, CI: 'true', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', TURBO_NO_UPDATE_NOTIFIER: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!ok.includes(r.status)) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  return { ms, rss, stdout: r.stdout };
}
const chain = (args, cwd, ok) => timed(process.execPath, ['--import', path.join(root, 'scripts/peak-rss.mjs'), chainBin, ...args], cwd, ok);
/** The median of `runs` runs, after one run that warms the file system cache. */
function median(fn) {
  fn();
  const all = Array.from({ length: runs }, fn).sort((a, b) => a.ms - b.ms);
  return all[Math.floor(all.length / 2)];
}

function installTurbo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-bench-turbo-'));
  execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `turbo@${TURBO_VERSION}`], { stdio: 'inherit' });
  return { dir, bin: path.join(dir, 'node_modules/.bin/turbo') };
}

const ms = (r) => (r ? `${Math.round(r.ms)} ms` : '-');
const mb = (r) => (r?.rss ? `${Math.round(r.rss)} MB` : '');
const ratio = (a, b) => (a && b ? `${(a.ms / b.ms).toFixed(2)}x` : '-');
const row = (cells) => console.log(`| ${cells.join(' | ')} |`);

const turbo = flag('--no-turbo') ? undefined : installTurbo();
console.log(`\nchain (${path.relative(root, chainBin)}) vs Turborepo ${TURBO_VERSION}; medians of ${runs}; ${new Date().toISOString()}`);
row(['scenario', 'N', 'chain', 'chain peak', 'turbo', 'chain / turbo', 'git floor']);
row(['---', '---', '---', '---', '---', '---', '---']);
try {
  for (const n of sizes.length > 0 ? sizes : [1000, 5000, 10000]) {
    const dir = mkdtempSync(path.join(tmpdir(), `chain-bench-${n}-`));
    try {
      const name = `bench${n}x${process.pid}`;
      generate(n, dir, { turbo: true, name, ...(flag('--built') ? { base: () => VENDOR_BASE } : {}) });
      if (flag('--lint')) {
        mkdirSync(path.join(dir, 'policies'));
        writeFileSync(path.join(dir, 'policies', 'supply-chain.yaml'), readFileSync(path.join(root, 'policies', 'supply-chain.yaml'), 'utf8'));
      }
      const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 30 });
      commitRepo(dir);

      const full = median(() => chain(['plan', '--json'], dir));
      const turboFull = turbo && median(() => timed(turbo.bin, ['run', 'build', '--dry=json'], dir));
      const floor = median(() => timed('git', ['ls-files', '-s'], dir));
      row(['full plan, nothing built', n, ms(full), mb(full), ms(turboFull), ratio(full, turboFull), `ls-files -s ${ms(floor)}`]);

      // One file changed in a middleware node, committed: its dependents must be planned.
      appendFileSync(path.join(dir, 'layers/middleware-1/files/f0.txt'), 'patched\n');
      git('-c', 'user.email=b@x', '-c', 'user.name=bench', 'commit', '-qam', 'one file');
      const since = median(() => chain(['plan', '--since', 'HEAD^1', '--json'], dir));
      const turboSince = turbo && median(() => timed(turbo.bin, ['run', 'build', '--dry=json', '--filter=...[HEAD^1]'], dir));
      const diff = median(() => timed('git', ['diff', '--name-only', 'HEAD^1'], dir));
      const selected = JSON.parse(since.stdout).nodes.length;
      row([`one file changed (${selected} nodes planned)`, n, ms(since), mb(since), ms(turboSince), ratio(since, turboSince), `diff --name-only ${ms(diff)}`]);

      if (flag('--built')) {
        try {
          const built = chain(['build', '--json'], dir);
          const plan = median(() => chain(['plan', '--json'], dir));
          const current = JSON.parse(plan.stdout).nodes.filter((node) => node.action === 'skip').length;
          row([`full plan, every image built (${current} nodes current; the build took ${Math.round(built.ms / 1000)} s)`, n, ms(plan), mb(plan), ms(turboFull), ratio(plan, turboFull), '']);
        } finally {
          removeImages(name);
        }
      }

      if (flag('--lint')) {
        const lint = median(() => chain(['lint', '--json'], dir, [0, 1]));
        // Wall time depends on what else runs on the machine: the load average goes with the figure.
        row(['chain lint', n, ms(lint), mb(lint), '', '', `load average ${loadavg()[0].toFixed(1)}`]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    }
  }
} finally {
  if (turbo) rmSync(turbo.dir, { recursive: true, force: true });
}
