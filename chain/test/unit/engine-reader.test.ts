/**
 * The thin engine reader against a tiny HTTP server on a unix socket (list, inspect 200/404, an
 * HTTP error, an unreachable socket read exactly as dockerode's), where it connects (DOCKER_HOST
 * read as dockerode reads it), and LazyEngine loading dockerode only for writes.
 */
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { ChainError } from '../../core/errors.js';
import { DockerEngine } from '../../adapters/docker.js';
import { LazyEngine, type EngineReader } from '../../adapters/engine.js';
import { describe, statusOf } from '../../adapters/engine-calls.js';
import { engineLocation, modemLocation } from '../../adapters/engine-host.js';
import { HttpEngineReader } from '../../adapters/engine-http.js';
import { removeDirs, tempDir } from '../helpers.js';

const image = (id: string, tags: string[], labels: Record<string, string>) => ({ Id: id, RepoTags: tags, Labels: labels });
const LISTED = [
  image('sha256:aa', ['c/a:fp-1', 'c/a:1.0.0'], { 'dev.chain.chain': 'c', 'dev.chain.fingerprint': '1' }),
  image('sha256:bb', ['<none>:<none>'], { 'dev.chain.chain': 'c' }),
];

/** A fake engine on a unix socket; `seen` collects every request's path. */
async function fakeEngine(): Promise<{ socket: string; seen: string[]; close(): Promise<void> }> {
  const dir = tempDir('chain-fake-engine-');
  const socket = path.join(dir, 'docker.sock');
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    seen.push(req.url ?? '');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    if (url.pathname === '/_ping') return send(200, 'OK');
    if (url.pathname === '/info') return send(200, { Images: 3000 });
    if (url.pathname === '/version') return send(200, { Version: '20.10.24' });
    if (url.pathname === '/images/json') return send(200, url.searchParams.get('filters') === '{"label":["dev.chain.chain=c"]}' ? LISTED : []);
    if (url.pathname === '/containers/json') return send(200, url.searchParams.get('all') === 'true' ? [{ Id: 'c1' }] : []);
    if (url.pathname === '/images/c/a:fp-1/json') return send(200, { Id: 'sha256:aa', Created: '2024-01-01T00:00:00Z', RepoDigests: ['r/c/a@sha256:dd'], Config: { Labels: LISTED[0]?.Labels }, RootFS: { Layers: ['sha256:l1'] } });
    if (url.pathname === '/images/broken/json') return send(500, { message: 'something broke\nsecond line' });
    return send(404, { message: `No such image: ${url.pathname}` });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => (removeDirs(dir), resolve()))),
  };
}

test('lists the chain by label, inspects by reference, 404 is undefined, 500 keeps status and message', async () => {
  const fake = await fakeEngine();
  const reader = new HttpEngineReader({ kind: 'unix', socketPath: fake.socket });
  await reader.ping();
  assert.is(await reader.imageCount(), 3000);
  assert.is(await reader.version(), '20.10.24');
  assert.equal([...(await reader.imagesByTag('c'))], [['c/a:fp-1', { id: 'sha256:aa', fingerprint: '1' }], ['c/a:1.0.0', { id: 'sha256:aa', fingerprint: '1' }]]);
  assert.equal(await reader.inspect('c/a:fp-1'), { id: 'sha256:aa', digest: 'r/c/a@sha256:dd', labels: LISTED[0]?.Labels, layers: ['sha256:l1'], repoDigests: ['r/c/a@sha256:dd'] });
  assert.is(await reader.created('c/a:fp-1'), '2024-01-01T00:00:00Z');
  assert.is(await reader.inspect('c/a:fp-2'), undefined);
  assert.equal(await reader.containers(['a=b']), ['c1']);
  try {
    await reader.inspect('broken');
    assert.unreachable('a 500 is an error');
  } catch (err) {
    assert.is(statusOf(err), 500);
    assert.is(describe(err), 'something broke');
  }
  // many lookups at once share a few kept-alive sockets
  await Promise.all(Array.from({ length: 50 }, (_, i) => reader.inspect(`c/a:x${i}`)));
  assert.ok(fake.seen.includes('/images/json?filters=%7B%22label%22%3A%5B%22dev.chain.chain%3Dc%22%5D%7D'), fake.seen.join('\n'));
  await fake.close();
});

test('an unreachable engine: the same error as dockerode gives (code, exit code, message, hint)', async () => {
  const socket = '/nonexistent/docker.sock';
  const caught = async (reader: EngineReader) => reader.ping().then(() => undefined, (err: unknown) => err);
  const thin = await caught(new HttpEngineReader({ kind: 'unix', socketPath: socket }));
  const viaDockerode = await caught(new DockerEngine(new Docker({ socketPath: socket })));
  assert.instance(thin, ChainError);
  assert.instance(viaDockerode, ChainError);
  assert.is((thin as ChainError).exitCode, (viaDockerode as ChainError).exitCode);
  assert.equal((thin as ChainError).problems, (viaDockerode as ChainError).problems);
  assert.is((thin as ChainError).problems[0]?.code, 'E_ENGINE_UNREACHABLE');
  const refused = await caught(new HttpEngineReader({ kind: 'tcp', host: '127.0.0.1', port: 1 }));
  assert.is((refused as ChainError).problems[0]?.code, 'E_ENGINE_UNREACHABLE');
});

test('DOCKER_HOST: unix sockets and plain TCP are read thin; ssh, TLS, npipe and odd options go to dockerode', () => {
  const socket = () => '/var/run/docker.sock';
  assert.equal(engineLocation({}, socket), { kind: 'unix', socketPath: '/var/run/docker.sock' });
  assert.equal(engineLocation({ DOCKER_HOST: 'unix:///tmp/e/docker.sock' }, socket), { kind: 'unix', socketPath: '/tmp/e/docker.sock' });
  assert.equal(engineLocation({ DOCKER_HOST: 'unix://' }, socket), { kind: 'unix', socketPath: '/var/run/docker.sock' });
  assert.equal(engineLocation({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, socket), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.equal(engineLocation({ DOCKER_HOST: 'localhost:2375' }, socket), { kind: 'tcp', host: 'localhost', port: 2375 });
  assert.equal(engineLocation({ DOCKER_HOST: 'tcp://[::1]:2375' }, socket), { kind: 'tcp', host: '::1', port: 2375 });
  assert.equal(engineLocation({ DOCKER_HOST: 'tcp://10.0.0.1' }, socket), { kind: 'tcp', host: '10.0.0.1', port: 80 }, 'docker-modem sends no port: 80');
  for (const env of [
    { DOCKER_HOST: 'ssh://me@host' },
    { DOCKER_HOST: 'tcp://host:2376' },
    { DOCKER_HOST: 'tcp://host:2375', DOCKER_TLS_VERIFY: '1' },
    { DOCKER_HOST: 'tcp://host:2375', DOCKER_CERT_PATH: '/certs' },
    { DOCKER_HOST: 'tcp://host:2375', DOCKER_PATH_PREFIX: '/docker' },
    { DOCKER_HOST: 'tcp://host:2375', DOCKER_CLIENT_TIMEOUT: '10' },
    { DOCKER_HOST: 'npipe:////./pipe/docker_engine' },
    { DOCKER_HOST: 'https://host:2375' },
    { DOCKER_HOST: 'tcp://ho st' },
  ]) {
    assert.is(engineLocation(env, socket).kind, 'dockerode', JSON.stringify(env));
  }
});

test('an engine client handed in is read where its modem points', () => {
  const socket = () => '/default.sock';
  const modem = (opts?: Docker.DockerOptions) => new Docker(opts).modem as unknown as Record<string, unknown>;
  assert.equal(modemLocation(modem({ socketPath: '/tmp/proxy.sock' }), socket), { kind: 'unix', socketPath: '/tmp/proxy.sock' });
  assert.equal(modemLocation(modem({ host: '127.0.0.1', port: 2375 }), socket), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.is(modemLocation(modem({ host: '127.0.0.1', port: 2376, protocol: 'https' }), socket).kind, 'dockerode');
  assert.is(modemLocation(modem({ socketPath: '/tmp/e.sock', version: 'v1.41' }), socket).kind, 'dockerode');
  assert.is(modemLocation(modem({ host: 'h', port: 22, protocol: 'ssh' }), socket).kind, 'dockerode');
  if (!process.env.DOCKER_HOST) assert.equal(modemLocation(modem(), socket), { kind: 'unix', socketPath: '/default.sock' });
});

test('LazyEngine reads through the reader and loads dockerode only to write (or to remove what it found)', async () => {
  let loads = 0;
  let listed: string[] = [];
  const reader = { ping: async () => undefined, containers: async () => listed } as unknown as EngineReader;
  const written: string[] = [];
  const client = { tag: async (id: string) => void written.push(id), removeContainers: async () => 2 } as unknown as DockerEngine;
  const engine = new LazyEngine(reader, async () => (loads++, client));
  await engine.ping();
  assert.is(await engine.removeContainers(['a=b']), 0);
  assert.is(loads, 0, 'nothing to remove: no dockerode');
  listed = ['c1'];
  assert.is(await engine.removeContainers(['a=b']), 2);
  await engine.tag('sha256:aa', 'r', 't');
  assert.is(loads, 1, 'loaded once');
  assert.equal(written, ['sha256:aa']);
});

test.run();
