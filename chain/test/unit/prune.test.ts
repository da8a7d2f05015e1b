/** What `chain prune` keeps and prunes, on in-memory images of one node in one store. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChainError } from '../../core/errors.js';
import { RegistryClient } from '../../adapters/registry.js';
import { deleteRegistryImage } from '../../adapters/registry-prune.js';
import { choosePrune, isBuildIdTag, newestFirst, releaseTags, tagOf, type StoreImage } from '../../core/prune.js';

const repo = '127.0.0.1:5000/acme/httpd';
/** An image built at minute `minute`, with these tags in the node's repository. */
function image(id: string, minute: number, tags: string[], extra: Partial<StoreImage> = {}): StoreImage {
  return { id, created: `2026-11-22T14:${String(minute).padStart(2, '0')}:00.5Z`, tags: tags.map((t) => `${repo}:${t}`), ...extra };
}
const pruned = (images: StoreImage[], current: string, keep: number) => choosePrune(images, current, keep).pruned.map((i) => i.id);
const why = (images: StoreImage[], current: string, keep: number) => Object.fromEntries(choosePrune(images, current, keep).kept.map((i) => [i.id, i.why]));

test('tags: the tag of a reference, build-id tags, release tags', () => {
  assert.is(tagOf('127.0.0.1:5000/acme/httpd:fp-0123456789ab'), 'fp-0123456789ab');
  assert.is(tagOf('127.0.0.1:5000/acme/httpd'), 'latest');
  assert.ok(isBuildIdTag('2.4.0-20261122.140032.83e9'));
  assert.ok(isBuildIdTag('1.0.0-rc.1-20261122.140032.83e9'));
  assert.ok(isBuildIdTag('build-20261122.140032.83e9'));
  assert.not.ok(isBuildIdTag('2.4.0'));
  assert.not.ok(isBuildIdTag('prod-20261122.140032.83e9'), 'only chain gives build-id tags: a prefix that is no version is a release someone made');
  assert.equal(releaseTags(['r:fp-0123456789ab', 'r:2.4.0-20261122.140032.83e9', 'r:2.4.0', 'r:prod', 'r:build-20261122.140032.83e9']), ['r:2.4.0', 'r:prod']);
});

test('keeps the newest N and prunes the older fingerprint images, whatever order they are listed in', () => {
  const images = [
    image('a', 1, ['fp-aaaaaaaaaaaa', '1.0.0-20261122.140100.0001']),
    image('c', 3, ['fp-cccccccccccc', '1.0.0', '1.0.0-20261122.140300.0003']),
    image('b', 2, ['fp-bbbbbbbbbbbb', '1.0.0-20261122.140200.0002']),
  ];
  assert.equal(pruned(images, 'fp-cccccccccccc', 1), ['b', 'a'], 'newest first; a build-id tag protects nothing');
  assert.equal(why(images, 'fp-cccccccccccc', 1), { c: ['current', 'release', 'newest'] });
  assert.equal(pruned(images, 'fp-cccccccccccc', 2), ['a']);
  assert.equal(pruned(images, 'fp-cccccccccccc', 3), []);
});

test('the current image is kept even when it is not among the newest (a change undone)', () => {
  const images = [image('a', 1, ['fp-aaaaaaaaaaaa']), image('b', 2, ['fp-bbbbbbbbbbbb']), image('c', 3, ['fp-cccccccccccc'])];
  assert.equal(pruned(images, 'fp-aaaaaaaaaaaa', 1), ['b']);
  assert.equal(why(images, 'fp-aaaaaaaaaaaa', 1), { c: ['newest'], a: ['current'] });
});

test('a release tag, a tag in another repository or a container keeps an image', () => {
  const images = [
    image('old-release', 1, ['fp-111111111111', '1.0.0', '1.0.0-20261122.140100.0001']),
    image('hand-tagged', 2, ['fp-222222222222', 'prod']),
    image('elsewhere', 3, ['fp-333333333333'], { otherTags: ['myteam/httpd:pinned'] }),
    image('running', 4, ['fp-444444444444'], { inUse: true }),
    image('stale', 5, ['fp-555555555555', '1.0.1-20261122.140500.0005']),
    image('current', 6, ['fp-666666666666', '1.0.1']),
  ];
  assert.equal(pruned(images, 'fp-666666666666', 1), ['stale']);
  assert.equal(why(images, 'fp-666666666666', 1), {
    current: ['current', 'release', 'newest'],
    running: ['in-use'],
    elsewhere: ['other-tag'],
    'hand-tagged': ['release'],
    'old-release': ['release'],
  });
});

test('an image without a fingerprint tag is not a build of chain: neither kept nor pruned', () => {
  const images = [image('pulled', 1, ['1.0.0']), image('a', 2, ['fp-aaaaaaaaaaaa']), image('b', 3, ['fp-bbbbbbbbbbbb'])];
  const choice = choosePrune(images, 'fp-bbbbbbbbbbbb', 1);
  assert.equal(choice.pruned.map((i) => i.id), ['a']);
  assert.equal(choice.kept.map((i) => i.id), ['b']);
});

test('newest first to the nanosecond, though Go drops trailing zeros; the ID breaks ties', () => {
  const at = (id: string, created: string) => ({ id, created });
  const sorted = [at('x', '2026-11-22T14:31:47.1673Z'), at('y', '2026-11-22T14:31:47.16738Z'), at('z', '2026-11-22T14:31:46.9Z'), at('w', '2026-11-22T14:31:47.16738Z')].sort(newestFirst);
  assert.equal(sorted.map((s) => s.id), ['w', 'y', 'x', 'z']);
  assert.equal([at('p', '2026-11-22T15:00:00+01:00'), at('q', '2026-11-22T14:30:00Z')].sort(newestFirst).map((s) => s.id), ['q', 'p']);
});

/** A registry that answers DELETE with `deleteStatus` and holds the attestation of `sha256:aa`; it records each call. */
function fakeRegistry(deleteStatus: number): { client: RegistryClient; calls: string[] } {
  const calls: string[] = [];
  const impl = async (url: URL | string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${new URL(url).pathname}`);
    if (method === 'DELETE') return new Response(null, { status: deleteStatus });
    if (method === 'HEAD' && String(url).endsWith('/manifests/sha256-aa.att')) return new Response(null, { status: 200, headers: { 'docker-content-digest': 'sha256:a77' } });
    return new Response(null, { status: 404 });
  };
  return { client: new RegistryClient('reg.example', undefined, impl as typeof fetch), calls };
}

test('deleting an image deletes its manifest by digest, then its attestation', async () => {
  const { client, calls } = fakeRegistry(202);
  assert.is(await deleteRegistryImage(client, 'acme/httpd', 'sha256:aa'), 'deleted');
  assert.equal(calls, ['DELETE /v2/acme/httpd/manifests/sha256:aa', 'HEAD /v2/acme/httpd/manifests/sha256-aa.att', 'DELETE /v2/acme/httpd/manifests/sha256:a77']);
  assert.is(await deleteRegistryImage(fakeRegistry(404).client, 'acme/httpd', 'sha256:aa'), 'gone');
});

test('a registry that does not allow deletes (HTTP 405) is E_REGISTRY_DELETE, exit 4, with the fix as hint', async () => {
  const { client, calls } = fakeRegistry(405);
  try {
    await deleteRegistryImage(client, 'acme/httpd', 'sha256:aa');
    assert.unreachable('it must throw');
  } catch (err) {
    assert.instance(err, ChainError);
    const e = err as ChainError;
    assert.is(e.code, 'E_REGISTRY_DELETE');
    assert.is(e.exitCode, 4);
    assert.match(e.problems[0]?.hint ?? '', /storage\.delete\.enabled: true/);
  }
  assert.equal(calls, ['DELETE /v2/acme/httpd/manifests/sha256:aa'], 'nothing more is tried');
});

test.run();
