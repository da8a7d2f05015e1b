/** Image references parsed by a real reference parser, not by splitting on '@' and '/'. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digestOf, parseDigestRef, parseImageRef, repositoryOf } from '../../core/image-ref.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('a pushed reference: host with port, path inside the registry, digest', () => {
  assert.equal(parseDigestRef(`127.0.0.1:5000/acme/site@${DIGEST}`), { repository: '127.0.0.1:5000/acme/site', host: '127.0.0.1:5000', path: 'acme/site', digest: DIGEST });
  assert.is(digestOf(`registry.example.com/a/b/c@${DIGEST}`), DIGEST);
});

test('a tag after a host port is a tag, not part of the host', () => {
  assert.equal(parseImageRef('host:5000/acme/base:1.2'), { repository: 'host:5000/acme/base', host: 'host:5000', path: 'acme/base', tag: '1.2' });
  assert.is(repositoryOf(`host:5000/acme/base:1.2@${DIGEST}`), 'host:5000/acme/base');
});

test('Docker Hub names keep their short form; a first segment without . or : is no host', () => {
  assert.is(repositoryOf('busybox'), 'library/busybox');
  assert.is(repositoryOf('chain-base/busybox:1'), 'chain-base/busybox');
  assert.equal(parseImageRef('localhost/x:1'), { repository: 'localhost/x', host: 'localhost', path: 'x', tag: '1' });
});

test('a reference without a digest is refused where a digest is needed', () => {
  assert.throws(() => parseDigestRef('host:5000/acme/site:fp-0123'), /has no digest/);
  assert.throws(() => parseImageRef('Not A Reference'));
});

test.run();
