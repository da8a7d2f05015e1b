/**
 * Random mutations of the example chain (chain.yaml, layer.yaml files, a Dockerfile, a
 * .dockerignore), run through `chain plan` and `chain lint` in this process without an engine.
 * Whatever the input, chain must answer with an exit code it documents (0, 1, 2, or 3 for the
 * absent engine), never a stack or "internal error", within a bounded time, and leave the input
 * files as they were. Seeded: the seed is printed, and CHAIN_FUZZ_SEED=<seed> replays a run
 * (CHAIN_FUZZ_ITERATIONS and CHAIN_FUZZ_BUDGET_MS change the budget, for a longer hunt).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { absentEngine, exampleRepo, removeDirs, runCli } from '../helpers.js';

const SEED = Number(process.env.CHAIN_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ITERATIONS = Number(process.env.CHAIN_FUZZ_ITERATIONS ?? 240);
/** The whole test stops starting new runs after this long (each run is bounded on its own too). */
const BUDGET_MS = Number(process.env.CHAIN_FUZZ_BUDGET_MS ?? 20_000);
const RUN_MS = 10_000;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [':', ': ', '- ', '[', ']', '{', '}', '"', "'", '#', ',', '&a ', '*a', '!!binary ', '!!js/function ', '\t', '\n', '  ', '? ', '|', '>', '<<: *a', '%YAML 1.2\n', '---\n', '...\n', '\u0000', '\uFEFF', 'é', '\u202E', '@', '@^', '..', '/', '\\', '$', '${X}', 'x'.repeat(3000)];
const VALUES = ['null', '~', '[]', '{}', '""', "''", '0', '-1', '1.5', '1e999', '0x1F', '.inf', '.nan', 'true', 'no', '99999999999999999999', '../..', '/etc', '.', 'a@b@c', '^^1', '2027-02-30', 'constructor', '__proto__', 'toString', '[a, [b]]', '{a: {b: c}}', '"\\u0000"', '*nope', '&x 1', `"${'y'.repeat(500)}"`, '127.0.0.1:99999/x', 'vendor/busybox:latest', 'corebuild@^9', '[corebuild, corebuild]', 'base', 'app', 'ops', '"#ops"', 'layers/core/corebuild', 'layers', '1.0.0', '[1.0.0]', '{ memory: 1k }', '{ pids: -1 }', '[ACCESS_CODE]'];
const KEYS = ['tier', 'owner', 'path', 'image', 'from', 'version', 'args', 'test', 'secretArgs', 'testLimits', 'description', 'dockerfile', 'source', 'deprecated', 'name', 'teams', 'nodes', 'tiers', 'registry', 'trustedKeys', 'admins', 'concurrency', 'members', 'handle', 'bogus', 'Tier', ''];
const BYTES = [0xff, 0xfe, 0xc0, 0xe9, 0x80, 0xed, 0xf4, 0x00];

type Mutation = (text: string, r: () => number) => string | Buffer;
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const lines = (t: string) => t.split('\n');
const at = (r: () => number, n: number) => Math.floor(r() * Math.max(1, n));

const MUTATIONS: [string, Mutation][] = [
  ['delete a line', (t, r) => { const l = lines(t); l.splice(at(r, l.length), 1); return l.join('\n'); }],
  ['duplicate a line', (t, r) => { const l = lines(t); const i = at(r, l.length); l.splice(i, 0, l[i] ?? ''); return l.join('\n'); }],
  ['swap two lines', (t, r) => { const l = lines(t); const i = at(r, l.length); const j = at(r, l.length); [l[i], l[j]] = [l[j] ?? '', l[i] ?? '']; return l.join('\n'); }],
  ['insert a token', (t, r) => { const i = at(r, t.length + 1); return t.slice(0, i) + pick(r, TOKENS) + t.slice(i); }],
  ['replace a value', (t, r) => { const l = lines(t); const candidates = l.map((s, i) => [s, i] as const).filter(([s]) => /:\s*\S/.test(s)); const c = candidates.length > 0 ? pick(r, candidates) : undefined; if (c) l[c[1]] = c[0].replace(/:\s*\S.*$/, `: ${pick(r, VALUES)}`); return l.join('\n'); }],
  ['rename a key', (t, r) => { const l = lines(t); const i = at(r, l.length); l[i] = (l[i] ?? '').replace(/^(\s*-?\s*)[A-Za-z_]+(?=:)/, `$1${pick(r, KEYS)}`); return l.join('\n'); }],
  ['indent a line', (t, r) => { const l = lines(t); const i = at(r, l.length); const d = Math.floor(r() * 7) - 3; l[i] = d >= 0 ? ' '.repeat(d) + (l[i] ?? '') : (l[i] ?? '').replace(new RegExp(`^ {0,${-d}}`), ''); return l.join('\n'); }],
  ['truncate', (t, r) => t.slice(0, at(r, t.length))],
  ['bytes that are not UTF-8', (t, r) => { const b = Buffer.from(t); const i = at(r, b.length + 1); return Buffer.concat([b.subarray(0, i), Buffer.from([pick(r, BYTES)]), b.subarray(i)]); }],
  ['rename a node everywhere', (t, r) => t.replaceAll(pick(r, ['corebuild', 'httpd', 'runtime', 'busybox', 'site']), pick(r, ['core', 'constructor', 'Web', 'x'.repeat(200), 'httpd', 'a.b']))],
  // Still YAML (or JSON): reaches the checks behind the parser and the schema.
  ['set a value in the document', (t, r) => inDocument(t, (doc, paths) => doc.setIn(pick(r, paths), parseDocument(pick(r, VALUES)).toJS()))],
  ['delete a key of the document', (t, r) => inDocument(t, (doc, paths) => doc.deleteIn(pick(r, paths)))],
];
/** How often each mutation is drawn: the structure-aware ones reach deepest. */
const WEIGHTS = [1, 1, 1, 2, 3, 2, 1, 1, 1, 1, 4, 3];

/** Every path of the document's keys and items, for an edit that keeps it parseable. */
function inDocument(text: string, edit: (doc: Document, paths: (string | number)[][]) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    if (isMap(node)) for (const pair of node.items) { const key = at.concat(String((pair.key as { value?: unknown } | null)?.value)); paths.push(key); walk(pair.value, key); }
    else if (isSeq(node)) node.items.forEach((item, i) => { paths.push(at.concat(i)); walk(item, at.concat(i)); });
  };
  walk(doc.contents, []);
  if (paths.length === 0) return text;
  try {
    edit(doc, paths);
    return doc.toString({ lineWidth: 0 });
  } catch {
    return text; // a value the yaml package itself cannot place (an alias to nothing): the text mutations cover those
  }
}

function weighted(r: () => number): [string, Mutation] {
  let x = r() * WEIGHTS.reduce((a, b) => a + b, 0);
  for (const [i, w] of WEIGHTS.entries()) if ((x -= w) < 0) return MUTATIONS[i] as [string, Mutation];
  return MUTATIONS[0] as [string, Mutation];
}

/** The files a mutation may touch, relative to the chain root, the most likely first. */
const TARGETS = ['chain.yaml', 'chain.yaml', 'chain.yaml', 'chain.yaml', 'chain.lock', 'layers/app/site/layer.yaml', 'layers/core/corebuild/layer.yaml', 'layers/middleware/httpd/layer.yaml', 'layers/app/docs/layer.yaml', 'layers/app/site/Dockerfile', 'layers/app/site/.dockerignore', 'policies/supply-chain.yaml'];

test(`fuzz: ${ITERATIONS} mutated chains through plan and lint (seed ${SEED})`, async () => {
  console.log(`fuzz seed: ${SEED} (replay: CHAIN_FUZZ_SEED=${SEED} node node_modules/uvu/bin.js dist/chain/test/unit '^fuzz')`);
  const dir = exampleRepo();
  const originals = Object.fromEntries([...new Set(TARGETS)].map((f) => [f, readFileSync(path.join(dir, f))]));
  const r = random(SEED);
  const start = Date.now();
  const seenCodes: Record<number, number> = {};
  let runs = 0;
  try {
    for (let i = 0; i < ITERATIONS && Date.now() - start < BUDGET_MS; i++) {
      for (const [file, bytes] of Object.entries(originals)) writeFileSync(path.join(dir, file), bytes);
      const applied: string[] = [];
      const written: Record<string, Buffer> = {};
      for (let m = 0, count = 1 + at(r, 3); m < count; m++) {
        const file = pick(r, TARGETS);
        const [name, mutate] = weighted(r);
        const current = written[file] ?? (originals[file] as Buffer);
        const out = mutate(current.toString('utf8'), r);
        written[file] = Buffer.isBuffer(out) ? out : Buffer.from(out);
        applied.push(`${name} in ${file}`);
      }
      for (const [file, bytes] of Object.entries(written)) writeFileSync(path.join(dir, file), bytes);
      const command = r() < 0.65 ? 'plan' : 'lint';
      const replay = `seed ${SEED}, iteration ${i}: chain ${command} after ${applied.join(', ')}`;
      const shown = (text: string) => (text.length > 3000 ? `${text.slice(0, 3000)}...` : text);
      const began = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        runCli([command], { cwd: dir, engine: absentEngine() }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${replay}: no answer within ${RUN_MS} ms`)), RUN_MS))),
      ]).finally(() => clearTimeout(timer));
      runs++;
      seenCodes[result.code] = (seenCodes[result.code] ?? 0) + 1;
      assert.ok([0, 1, 2, 3].includes(result.code), `${replay}: exit ${result.code}\n${shown(result.err)}`);
      assert.not.ok(/internal error|\n\s+at .+:\d+:\d+\)?\n/.test(result.err), `${replay}: a stack\n${shown(result.err)}`);
      assert.ok(Date.now() - began < RUN_MS, replay);
      for (const [file, bytes] of Object.entries(written)) assert.ok(readFileSync(path.join(dir, file)).equals(bytes), `${replay}: ${file} changed`);
    }
  } finally {
    removeDirs(dir);
  }
  console.log(`fuzz: ${runs} runs in ${Date.now() - start} ms, exit codes ${JSON.stringify(seenCodes)}`);
  assert.ok(runs >= Math.min(ITERATIONS, 50), `only ${runs} runs fitted in the budget`);
});

test.run();
