#!/usr/bin/env node
// The README's samples of what chain prints, made from what it really prints: each block after a
// `<!-- sample: <id> -->` line is the output of running chain on the example chain (in a temporary
// copy, under a chain name of its own, whose images are removed afterwards).
//
//   node scripts/readme-samples.mjs              rewrite the blocks in README.md
//   node scripts/readme-samples.mjs --check      exit 1 when a block differs from real output
//   ... --no-engine                              only the samples that need no Docker Engine
//
// Digests of built images, build ids, times and the chain's name vary from run to run and machine
// to machine: --check compares them as placeholders (the vendor base's pin is the same everywhere). Needs `npm run build` first, and for the engine samples
// the example's vendor base (scripts/setup makes it).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = path.join(ROOT, 'README.md');
const MAIN = path.join(ROOT, 'dist/chain.mjs');
const check = process.argv.includes('--check');
const withEngine = !process.argv.includes('--no-engine');

/** chain's output, as a person sees it: stdout (or stderr), whatever the exit code. */
function chain(cwd, args, stream = 'out') {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  if (r.status === 70 || r.error) throw new Error(`chain ${args.join(' ')} failed:\n${r.stderr}${r.error ?? ''}`);
  return (stream === 'out' ? r.stdout : r.stderr).replace(/\n+$/, '');
}

const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** The example chain (chain.yaml, chain.lock, layers/, policies/) committed to a fresh repository, under its own chain name. */
function exampleCopy(name) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-readme-'));
  for (const entry of ['chain.yaml', 'chain.lock', 'layers', 'policies']) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: acme$/m, `name: ${name}`));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.email=readme@chain.example', '-c', 'user.name=readme', 'add', '-A');
  git(dir, '-c', 'user.email=readme@chain.example', '-c', 'user.name=readme', 'commit', '-qm', 'example');
  return dir;
}

/** The example with a registry that is not there (chain ci then makes every node a job, as before a first build). */
function withRegistry(dir) {
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: (.*)$/m, 'name: $1\nregistry: registry.acme.example/$1'));
  return dir;
}

/** A long output with the lines from `start` up to `end` (or the end) replaced by one comment line. */
function elide(text, start, end, comment) {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => start.test(l));
  const to = end ? lines.findIndex((l, i) => i > from && end.test(l)) : lines.length;
  if (from < 0 || to < 0) throw new Error(`cannot cut the sample at ${start}`);
  return [...lines.slice(0, from), comment, ...lines.slice(to)].join('\n');
}

const SIGNED = ['--chain-args=--sign-key "$CHAIN_SIGN_KEY"'];

/** Each sample: whether it needs the engine, and how to make it (given a fresh copy of the example). */
const SAMPLES = {
  // The error format: a Dockerfile that uses an image its node does not declare.
  error: { engine: false, make: () => chain(path.join(ROOT, 'chain/test/fixtures/config/from-mismatch'), ['plan'], 'err') },
  'ci-gitlab': {
    engine: false,
    make: (copy) => elide(chain(withRegistry(copy()), ['ci', '--format', 'gitlab', ...SIGNED]), /^docs:$/, undefined, '# ... docs (needs: httpd, runtime), report (needs: runtime), site (needs: httpd), all in stage wave-3'),
  },
  'ci-github': {
    engine: false,
    make: (copy) => elide(chain(withRegistry(copy()), ['ci', '--format', 'github', ...SIGNED]), /^  httpd:$/, undefined, '  # ... httpd (needs: corebuild), runtime (needs: corebuild), docs (needs: httpd, runtime), report, site: alike'),
  },
  'ci-argo': {
    engine: false,
    make: (copy) =>
      elide(
        chain(withRegistry(copy()), ['ci', '--format', 'argo', '--image', 'registry.acme.example/ci/chain-runner:1', ...SIGNED]),
        /^ {10}- name: runtime$/,
        /^ {4}- name: build$/,
        '          # ... runtime (dependencies: corebuild), docs (httpd, runtime), report (runtime), site (httpd)',
      ),
  },
  'help-patch': { engine: false, make: () => `$ chain help patch\n${chain(ROOT, ['help', 'patch'])}` },
  'graph-mermaid': { engine: false, make: (copy) => chain(copy(), ['graph', '--format', 'mermaid']) },
  'patch-major': { engine: false, make: (copy) => `$ chain patch corebuild --level major\n${chain(copy(), ['patch', 'corebuild', '--level', 'major'])}` },
  lint: {
    engine: false,
    make: (copy) => {
      const dir = copy();
      appendFileSync(path.join(dir, 'layers/app/site/Dockerfile'), 'USER root\n');
      return chain(dir, ['lint']);
    },
  },
  // After a build of the whole chain: a change to the core build's banner.
  plan: {
    engine: true,
    make: (_copy, built) => {
      appendFileSync(path.join(built, 'layers/core/corebuild/etc/motd'), 'Patched.\n');
      const out = chain(built, ['plan']);
      git(built, 'checkout', '--', 'layers/core/corebuild/etc/motd');
      return out;
    },
  },
  why: { engine: true, make: (_copy, built) => chain(built, ['why', 'docs']) },
  // A build step that fails: where it is, and what it printed last.
  'failed-step': {
    engine: true,
    make: (_copy, built) => {
      const dockerfile = path.join(built, 'layers/app/site/Dockerfile');
      appendFileSync(dockerfile, 'RUN for page in index about; do \\\n      if test -f /var/www/$page.html; then echo "$page.html: ok"; else echo "$page.html: missing"; exit 1; fi; \\\n    done\n');
      const out = `$ chain build site\n${chain(built, ['build', 'site'])}`;
      git(built, 'checkout', '--', 'layers/app/site/Dockerfile');
      return out;
    },
  },
};

/** The vendor base's pinned digest is the same on every machine (scripts/lib.sh makes it reproducibly): it is compared as it is. */
const PINNED = Object.values(JSON.parse(readFileSync(path.join(ROOT, 'chain.lock'), 'utf8')).externals ?? {}).map((e) => e.digest.replace(/^sha256:/, ''));

/** What varies between runs and machines, as placeholders. */
function normalise(text, name) {
  return text
    .replaceAll(name, 'acme')
    .replace(/sha256:([0-9a-f]{12,64})/g, (all, hex) => (PINNED.some((p) => p.startsWith(hex)) ? all : 'sha256:<digest>'))
    .replace(/\d{8}\.\d{6}\.[0-9a-f]{4}/g, '<build id>')
    .replace(/\d+\.\d+s\b/g, '<time>');
}

/** The README's sample blocks: the fence after each marker, with its indentation. */
function blocks(text) {
  const lines = text.split('\n');
  const found = [];
  lines.forEach((line, i) => {
    const id = /^\s*<!-- sample: ([\w-]+) -->\s*$/.exec(line)?.[1];
    if (!id) return;
    const open = /^(\s*)(`{3,})(\w*)\s*$/.exec(lines[i + 1] ?? '');
    if (!open) throw new Error(`README.md:${i + 1}: the sample marker ${id} must be followed by a code fence`);
    const [, indent, fence] = open;
    const end = lines.findIndex((l, j) => j > i + 1 && l === `${indent}${fence}`);
    if (end < 0) throw new Error(`README.md:${i + 2}: the fence of sample ${id} is not closed`);
    found.push({ id, indent, start: i + 2, end });
  });
  return { lines, found };
}

const name = `readme${process.pid}`;
const copies = [];
const copy = () => {
  const dir = exampleCopy(name);
  copies.push(dir);
  return dir;
};
let built;
try {
  const { lines, found } = blocks(readFileSync(README, 'utf8'));
  const wanted = found.filter((b) => SAMPLES[b.id]?.engine !== true || withEngine);
  for (const b of found) if (!SAMPLES[b.id]) throw new Error(`README.md:${b.start - 1}: no sample named ${b.id} (samples: ${Object.keys(SAMPLES).join(', ')})`);
  if (wanted.some((b) => SAMPLES[b.id].engine)) {
    built = copy();
    const r = spawnSync(process.execPath, [MAIN, 'build'], { cwd: built, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`chain build of the example failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  let differ = 0;
  // From the last block up, so earlier line numbers hold while blocks change length.
  for (const b of [...wanted].reverse()) {
    const real = SAMPLES[b.id].make(copy, built).split('\n').map((l) => (l ? `${b.indent}${l}` : l));
    const now = lines.slice(b.start, b.end);
    // --check forgives what varies; a rewrite writes what chain printed, digests and all.
    if (check ? normalise(now.join('\n'), name) === normalise(real.join('\n'), name) : now.join('\n') === real.join('\n').replaceAll(name, 'acme')) continue;
    differ += 1;
    if (check) console.error(`README.md:${b.start + 1}: sample ${b.id} is not what chain prints now:\n--- README\n${now.join('\n')}\n--- chain\n${real.join('\n').replaceAll(name, 'acme')}\n`);
    else lines.splice(b.start, b.end - b.start, ...real.map((l) => l.replaceAll(name, 'acme')));
  }
  if (!check && differ > 0) writeFileSync(README, lines.join('\n'));
  console.log(`${wanted.length} samples${withEngine ? '' : ' (without the engine ones)'}: ${differ === 0 ? 'all as chain prints them' : `${differ} ${check ? 'differ' : 'rewritten'}`}`);
  process.exitCode = check && differ > 0 ? 1 : 0;
} finally {
  if (built) {
    const ids = execFileSync('docker', ['images', '-q', '--filter', `label=dev.chain.chain=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (ids.length > 0) spawnSync('docker', ['rmi', '-f', ...new Set(ids)], { stdio: 'ignore' });
  }
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
}
