/** How the image-store check reads the engine: the choice on counts, and equal observations either way. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChainConfig } from '../../core/model.js';
import type { EngineReader, InspectedLocalImage, TagEntry } from '../../adapters/engine.js';
import { FEW_LOOKUPS, LIST_FACTOR, lookedUpTags, readEngineTags, startListing, storeRead } from '../../world/engine-store.js';

test('few lookups: always exact; many: one list while the engine is small, exact lookups beyond k images a tag', () => {
  assert.is(storeRead(0), 'inspect');
  assert.is(storeRead(FEW_LOOKUPS), 'inspect');
  assert.is(storeRead(FEW_LOOKUPS, 1_000_000), 'inspect');
  assert.is(storeRead(FEW_LOOKUPS + 1), 'count-first');
  assert.is(storeRead(1000, 300), 'list');
  assert.is(storeRead(1000, LIST_FACTOR * 1000), 'list');
  assert.is(storeRead(1000, LIST_FACTOR * 1000 + 1), 'inspect');
  assert.is(storeRead(1000, 30_000), 'inspect');
});

const config = {
  name: 'c',
  nodes: {
    base: { kind: 'external', name: 'base' },
    a: { kind: 'built', name: 'a', version: '1.0.0' },
    b: { kind: 'built', name: 'b' },
  },
} as unknown as ChainConfig;

test('the tags the planner looks up: fingerprint tags of selected built nodes, and their version tags', () => {
  const tags = lookedUpTags(config, ['a', 'b', 'base'], { a: 'a'.repeat(64), b: 'b'.repeat(64), base: 'e'.repeat(64) });
  assert.equal(tags, ['c/a:fp-aaaaaaaaaaaa', 'c/a:1.0.0', 'c/b:fp-bbbbbbbbbbbb']);
  assert.equal(lookedUpTags(config, ['b'], { b: 'b'.repeat(64) }), ['c/b:fp-bbbbbbbbbbbb']);
});

/** An engine holding images by tag; counts the calls of each kind. */
function engineOf(images: Record<string, { id: string; labels: Record<string, string> }>, count: number) {
  const calls = { list: 0, inspect: 0, count: 0 };
  const reader: Partial<EngineReader> = {
    imageCount: async () => (calls.count++, count),
    imagesByTag: async (chain) => {
      calls.list++;
      const out = new Map<string, TagEntry>();
      for (const [tag, image] of Object.entries(images)) {
        const fingerprint = image.labels['dev.chain.fingerprint'];
        if (image.labels['dev.chain.chain'] === chain) out.set(tag, { id: image.id, ...(fingerprint ? { fingerprint } : {}) });
      }
      return out;
    },
    inspect: async (ref) => {
      calls.inspect++;
      const image = images[ref];
      return image ? ({ id: image.id, labels: image.labels, layers: [], repoDigests: [] } satisfies InspectedLocalImage) : undefined;
    },
  };
  return { reader: reader as EngineReader, calls };
}

test('list and exact lookups observe the same entries for every tag looked up (labels, custody, a foreign image under the tag)', async () => {
  const labels = (fingerprint?: string) => ({ 'dev.chain.chain': 'c', ...(fingerprint ? { 'dev.chain.fingerprint': fingerprint } : {}) });
  const images: Record<string, { id: string; labels: Record<string, string> }> = {
    'c/a:fp-1': { id: 'sha256:a1', labels: labels('1') },
    'c/a:1.0.0': { id: 'sha256:a0', labels: labels('0') },
    'c/b:fp-2': { id: 'sha256:b2', labels: labels() },
    'c/d:fp-4': { id: 'sha256:d4', labels: { 'dev.chain.chain': 'other' } }, // not this chain's: the list filter leaves it out
    'c/old:fp-9': { id: 'sha256:o9', labels: labels('9') }, // not looked up
  };
  const tags = ['c/a:fp-1', 'c/a:1.0.0', 'c/b:fp-2', 'c/d:fp-4', 'c/e:fp-5'];
  const attested = new Set(['sha256:a1']);
  const { reader, calls } = engineOf(images, 10);
  const listed = await readEngineTags(reader, 'c', tags, attested, 'list');
  const inspected = await readEngineTags(reader, 'c', tags, attested, 'inspect');
  for (const tag of tags) assert.equal(inspected.get(tag), listed.get(tag), tag);
  assert.equal(inspected.get('c/a:fp-1'), { id: 'sha256:a1', fingerprint: '1', attested: true });
  assert.equal(inspected.get('c/b:fp-2'), { id: 'sha256:b2', attested: false });
  assert.is(inspected.has('c/d:fp-4'), false);
  assert.equal(calls, { list: 1, inspect: tags.length, count: 0 });
});

test('the way is chosen by counts: the image count is asked only for many lookups', async () => {
  const few = engineOf({}, 100_000);
  await readEngineTags(few.reader, 'c', ['c/a:fp-1'], new Set());
  assert.equal(few.calls, { list: 0, inspect: 1, count: 0 });
  const many = Array.from({ length: 100 }, (_, i) => `c/n${i}:fp-1`);
  const small = engineOf({}, 300);
  await readEngineTags(small.reader, 'c', many, new Set());
  assert.equal(small.calls, { list: 1, inspect: 0, count: 1 });
  const big = engineOf({}, 30_000);
  await readEngineTags(big.reader, 'c', many, new Set());
  assert.equal(big.calls, { list: 0, inspect: 100, count: 1 });
});

test('a whole chain starts its list call once chain.yaml is read, only when the list is the way; its answer is what readEngineTags uses', async () => {
  const reachable = Promise.resolve({ reachable: true, local: new Map() });
  const images = { 'c/a:fp-1': { id: 'sha256:a1', labels: { 'dev.chain.chain': 'c', 'dev.chain.fingerprint': '1' } } };
  const small = engineOf(images, 300);
  const started = await startListing(small.reader, 'c', 500, reachable);
  assert.ok(started, 'a small engine: one list call, started now');
  const local = await readEngineTags(small.reader, 'c', ['c/a:fp-1', 'c/b:fp-2'], new Set(), undefined, undefined, await started.listed);
  assert.equal(local.get('c/a:fp-1'), { id: 'sha256:a1', fingerprint: '1', attested: false });
  assert.equal(small.calls, { list: 1, inspect: 0, count: 1 });
  const big = engineOf(images, 30_000);
  assert.is(await startListing(big.reader, 'c', 500, reachable), undefined, 'a large engine: the tags will be looked up');
  assert.equal(big.calls, { list: 0, inspect: 0, count: 1 });
  const tiny = engineOf(images, 300);
  assert.is(await startListing(tiny.reader, 'c', FEW_LOOKUPS / 2, reachable), undefined, 'few nodes: no count asked');
  assert.equal(tiny.calls, { list: 0, inspect: 0, count: 0 });
  const away = engineOf(images, 300);
  assert.is(await startListing(away.reader, 'c', 500, Promise.resolve({ reachable: false, local: new Map() })), undefined, 'an unreachable engine is not listed');
  assert.equal(away.calls.list, 0);
});

test.run();
