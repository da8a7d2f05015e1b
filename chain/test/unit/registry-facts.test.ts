/**
 * What is remembered of registry images across runs (adapters/registry-facts.ts): kept only where
 * the state folder exists; a damaged, foreign or malformed file is ignored; an attestation once
 * seen stays seen; the file is bounded; a folder that cannot be written is not an error; nothing
 * is written when nothing was learned.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KEEP_FACTS, RegistryFacts } from '../../adapters/registry-facts.js';
import { removeDirs, tempDir } from '../helpers.js';

const dirs: string[] = [];
const cacheFile = (root: string) => path.join(root, '.chain', 'cache', 'registry.json');
const image = (i: number) => `127.0.0.1:5000/acme/httpd@sha256:${i.toString(16).padStart(64, '0')}`;
const fp = 'a'.repeat(64);

/** A folder where chain has state already (as after a build). */
function stateful(): string {
  const root = tempDir('chain-regfacts-');
  dirs.push(root);
  mkdirSync(path.join(root, '.chain'));
  return root;
}

test('facts are kept for the next run only where the state folder exists', () => {
  const fresh = tempDir('chain-regfacts-');
  dirs.push(fresh);
  const none = RegistryFacts.open(fresh);
  none.set(image(1), { fingerprint: fp, attested: true });
  assert.equal(none.get(image(1)), { fingerprint: fp, attested: true }, 'known within the run');
  none.save();
  assert.not.ok(existsSync(path.join(fresh, '.chain')), 'a fresh checkout stays read-only');

  const root = stateful();
  const first = RegistryFacts.open(root);
  first.set(image(1), { fingerprint: fp, attested: true });
  first.set(image(2), { attested: false });
  first.save();
  const next = RegistryFacts.open(root);
  assert.equal(next.get(image(1)), { fingerprint: fp, attested: true });
  assert.equal(next.get(image(2)), { attested: false });
  assert.is(next.get(image(3)), undefined);
});

test('an attestation once seen stays seen; nothing learned, nothing written', () => {
  const root = stateful();
  const facts = RegistryFacts.open(root);
  facts.set(image(1), { fingerprint: fp, attested: true });
  facts.set(image(1), { fingerprint: fp, attested: false });
  assert.equal(facts.get(image(1)), { fingerprint: fp, attested: true });
  facts.save();
  const written = statSync(cacheFile(root)).mtimeMs;
  const again = RegistryFacts.open(root);
  again.set(image(1), { fingerprint: fp, attested: true }); // what it knew already
  writeFileSync(cacheFile(root), readFileSync(cacheFile(root)));
  const touched = statSync(cacheFile(root)).mtimeMs;
  again.save();
  assert.is(statSync(cacheFile(root)).mtimeMs, touched, 'not written again');
  assert.ok(touched >= written);
});

test('a damaged, foreign or malformed file is ignored, and replaced by the next save', () => {
  const good = { format: 1, entries: { [image(1)]: { fingerprint: fp, attested: true } } };
  const bad: unknown[] = [
    'not json{',
    'null',
    '[]',
    JSON.stringify({ format: 2, entries: good.entries }),
    JSON.stringify({ format: 1 }),
    JSON.stringify({ format: 1, entries: [] }),
    JSON.stringify({ format: 1, entries: { [image(1)]: { fingerprint: fp, attested: 'yes' } } }),
    JSON.stringify({ format: 1, entries: { [image(1)]: { fingerprint: 7, attested: true } } }),
    JSON.stringify({ format: 1, entries: { [image(1)]: { fingerprint: fp, attested: true, extra: 1 } } }),
    JSON.stringify({ format: 1, entries: { 'not-a-digest': { attested: true } } }),
    JSON.stringify({ format: 1, entries: { ...good.entries, [image(2)]: null } }),
  ];
  for (const text of bad) {
    const root = stateful();
    mkdirSync(path.dirname(cacheFile(root)), { recursive: true });
    writeFileSync(cacheFile(root), text as string);
    const facts = RegistryFacts.open(root);
    assert.is(facts.get(image(1)), undefined, `ignored: ${String(text).slice(0, 60)}`);
    facts.set(image(3), { attested: false });
    facts.save();
    assert.equal(JSON.parse(readFileSync(cacheFile(root), 'utf8')), { format: 1, entries: { [image(3)]: { attested: false } } });
  }
  const root = stateful();
  mkdirSync(path.dirname(cacheFile(root)), { recursive: true });
  writeFileSync(cacheFile(root), JSON.stringify(good));
  assert.equal(RegistryFacts.open(root).get(image(1)), { fingerprint: fp, attested: true }, 'the well-formed file is read');
});

test('bounded: the entries this run used, and at most KEEP_FACTS older ones', () => {
  const root = stateful();
  const entries: Record<string, { attested: boolean }> = {};
  for (let i = 0; i < KEEP_FACTS + 500; i++) entries[image(i)] = { attested: true };
  mkdirSync(path.dirname(cacheFile(root)), { recursive: true });
  writeFileSync(cacheFile(root), JSON.stringify({ format: 1, entries }));
  const facts = RegistryFacts.open(root);
  assert.ok(facts.get(image(KEEP_FACTS + 400)), 'a used old entry');
  facts.set(image(KEEP_FACTS + 1000), { fingerprint: fp, attested: true });
  facts.save();
  const kept = (JSON.parse(readFileSync(cacheFile(root), 'utf8')) as { entries: Record<string, unknown> }).entries;
  assert.is(Object.keys(kept).length, KEEP_FACTS + 2);
  assert.ok(kept[image(KEEP_FACTS + 400)], 'what this run used is kept');
  assert.ok(kept[image(KEEP_FACTS + 1000)], 'what this run learned is kept');
});

test('a state folder that cannot be written is not an error', () => {
  if (process.getuid?.() === 0) {
    // root writes anywhere: a file in the cache folder's place stands in for an unwritable one
    const root = stateful();
    writeFileSync(path.join(root, '.chain', 'cache'), 'not a folder');
    const facts = RegistryFacts.open(root);
    facts.set(image(1), { attested: true });
    facts.save();
    assert.is(readFileSync(path.join(root, '.chain', 'cache'), 'utf8'), 'not a folder');
    return;
  }
  const root = stateful();
  chmodSync(path.join(root, '.chain'), 0o500);
  const facts = RegistryFacts.open(root);
  facts.set(image(1), { attested: true });
  facts.save();
  chmodSync(path.join(root, '.chain'), 0o700);
  assert.not.ok(existsSync(cacheFile(root)));
});

test.after(() => removeDirs(...dirs));

test.run();
