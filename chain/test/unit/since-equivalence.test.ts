/**
 * `plan --since` reads only the nodes a change touches, their descendants and their ancestors. On
 * random edits of a generated chain (committed or left in the work tree; files, new files,
 * Dockerfiles, .dockerignore, versions and args in chain.yaml), its plan must cover exactly those
 * nodes, and say of each what the full plan says: same fingerprint, same action, same parents.
 * Real git, no engine (both plans see the same unreachable store).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Plan } from '../../core/plan.js';
import { absentEngine, git, removeDirs, repoRoot, runCli, tempDir } from '../helpers.js';

const engine = absentEngine();

/** A small seeded generator (mulberry32): the same edits on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function plan(dir: string, args: string[]): Promise<Plan> {
  const r = await runCli(['plan', '--json', ...args], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as Plan;
}

/** The touched nodes, their descendants, and everything those are built from, by the full plan's edges. */
function expectedSelection(full: Plan, touched: Set<string>): string[] {
  const children = new Map<string, string[]>();
  for (const n of full.nodes) for (const p of n.parents) children.set(p, [...(children.get(p) ?? []), n.name]);
  const parentsOf = new Map(full.nodes.map((n) => [n.name, n.parents]));
  const reach = (start: Iterable<string>, next: (n: string) => string[]) => {
    const seen = new Set<string>(start);
    const stack = [...seen];
    while (stack.length > 0) {
      for (const m of next(stack.pop() as string)) {
        if (seen.has(m)) continue;
        seen.add(m);
        stack.push(m);
      }
    }
    return seen;
  };
  const affected = reach(touched, (n) => children.get(n) ?? []);
  return [...reach(affected, (n) => parentsOf.get(n) ?? [])].sort();
}

test('plan --since equals the full plan on the nodes it covers, on 12 rounds of random edits', async () => {
  const { generate } = (await import(pathToFileURL(path.join(repoRoot, 'scripts/generate-chain.mjs')).href)) as { generate: (n: number, dir: string, opts: { files: number }) => void };
  const dir = tempDir();
  try {
    generate(120, dir, { files: 3 });
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.email=t@x', '-c', 'user.name=t', 'commit', '-qm', 'generated');
    const next = random(14);
    const built = readFileSync(path.join(dir, 'chain.yaml'), 'utf8').split('\n').filter((l) => /^ {2}(core|middleware|app)-\d+:$/.test(l)).map((l) => l.trim().slice(0, -1));
    const pick = () => built[Math.floor(next() * built.length)] as string;
    const ctx = (node: string, ...rest: string[]) => path.join(dir, 'layers', node, ...rest);
    const edits: ((touched: Set<string>) => void)[] = [
      (t) => { const n = pick(); appendFileSync(ctx(n, 'files', 'f0.txt'), `edit ${next()}\n`); t.add(n); },
      (t) => { const n = pick(); writeFileSync(ctx(n, `new-${Math.floor(next() * 1e9)}.txt`), 'new\n'); t.add(n); },
      (t) => { const n = pick(); appendFileSync(ctx(n, 'Dockerfile'), `# edited ${next()}\n`); t.add(n); },
      (t) => { const n = pick(); writeFileSync(ctx(n, '.dockerignore'), 'files/f1.txt\n'); t.add(n); },
      (t) => {
        const n = pick();
        const file = path.join(dir, 'chain.yaml');
        const text = readFileSync(file, 'utf8');
        const at = text.indexOf(`  ${n}:\n`);
        const version = text.indexOf('    version: ', at);
        const end = text.indexOf('\n', version);
        writeFileSync(file, `${text.slice(0, version)}    version: 1.0.${Math.floor(next() * 1000) + 1}${text.slice(end)}`);
        t.add(n);
      },
    ];
    for (let round = 0; round < 12; round++) {
      const base = git(dir, 'rev-parse', 'HEAD').trim();
      const touched = new Set<string>();
      const count = 1 + Math.floor(next() * 3);
      for (let i = 0; i < count; i++) (edits[Math.floor(next() * edits.length)] as (t: Set<string>) => void)(touched);
      if (next() < 0.5) {
        git(dir, 'add', '-A');
        git(dir, '-c', 'user.email=t@x', '-c', 'user.name=t', 'commit', '-qm', `round ${round}`);
      }
      const full = await plan(dir, []);
      const since = await plan(dir, ['--since', base]);
      const byName = new Map(full.nodes.map((n) => [n.name, n]));
      assert.equal(since.nodes.map((n) => n.name).sort(), expectedSelection(full, touched), `round ${round}: touched ${[...touched].join(', ')}`);
      for (const n of since.nodes) {
        const same = byName.get(n.name);
        assert.is(n.fingerprint, same?.fingerprint, `round ${round}: ${n.name}'s fingerprint`);
        assert.is(n.action, same?.action, `round ${round}: ${n.name}'s action`);
        assert.equal(n.parents, same?.parents, `round ${round}: ${n.name}'s parents`);
      }
      git(dir, 'add', '-A');
      git(dir, '-c', 'user.email=t@x', '-c', 'user.name=t', 'commit', '-qm', `settle ${round}`, '--allow-empty');
    }
  } finally {
    removeDirs(dir);
  }
});

test.run();
