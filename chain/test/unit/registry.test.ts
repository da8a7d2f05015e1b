/** The registry client's pure parts, and its token flow against an in-memory registry that demands it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attestationTag, bearerChallenge, dockerCredentials, parseRegistry, RegistryClient } from '../../adapters/registry.js';
import type { ChainError } from '../../core/errors.js';
import { tempDir, removeDirs } from '../helpers.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

test('bearer challenges parse; basic ones are not bearer', () => {
  assert.equal(bearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/site:pull"'), {
    realm: 'https://auth.example/token',
    params: { service: 'registry.example', scope: 'repository:acme/site:pull' },
  });
  assert.is(bearerChallenge('Basic realm="x"'), undefined);
  assert.is(bearerChallenge(null), undefined);
});

test('registry names, attestation tags, credentials from the Docker configuration', () => {
  assert.equal(parseRegistry('127.0.0.1:5000/acme/'), { host: '127.0.0.1:5000', prefix: 'acme' });
  assert.is(attestationTag('sha256:abc'), 'sha256-abc.att');
  const dir = tempDir();
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example': { auth: Buffer.from('ci:pa:ss').toString('base64') }, 'https://other.example': { username: 'u', password: 'p' } } }));
  assert.equal(dockerCredentials('reg.example', { DOCKER_CONFIG: dir }), { username: 'ci', password: 'pa:ss' });
  assert.equal(dockerCredentials('other.example', { DOCKER_CONFIG: dir }), { username: 'u', password: 'p' });
  assert.is(dockerCredentials('none.example', { DOCKER_CONFIG: dir }), undefined);
  removeDirs(dir);
});

/** A registry that wants a bearer token, and a token service that wants the right basic credentials. */
function tokenRegistry(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    calls.push(`${url.host}${url.pathname}${url.search} ${auth.split(' ')[0]}`);
    if (url.host === 'auth.example') {
      const ok = auth === `Basic ${Buffer.from('ci:secret').toString('base64')}` && url.searchParams.get('scope') === 'repository:acme/site:pull';
      return ok ? Response.json({ token: 'T0KEN' }) : new Response('no', { status: 401 });
    }
    if (auth !== 'Bearer T0KEN') {
      return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg.example",scope="repository:acme/site:pull"' } });
    }
    return Response.json({ name: 'acme/site', tags: ['1.0.0'] });
  };
  return { fetch: impl as typeof fetch, calls };
}

test('token authentication: credentials are traded for a bearer token, which is reused', async () => {
  const { fetch, calls } = tokenRegistry();
  const client = new RegistryClient('reg.example', { username: 'ci', password: 'secret' }, fetch);
  assert.equal(await client.tags('acme/site'), ['1.0.0']);
  assert.equal(await client.tags('acme/site'), ['1.0.0']);
  assert.equal(calls, [
    'reg.example/v2/acme/site/tags/list Basic',
    'auth.example/token?service=reg.example&scope=repository%3Aacme%2Fsite%3Apull Basic',
    'reg.example/v2/acme/site/tags/list Bearer',
    'reg.example/v2/acme/site/tags/list Basic',
    'reg.example/v2/acme/site/tags/list Bearer',
  ]);
});

test('token authentication with wrong credentials is a refusal, exit 4', async () => {
  const client = new RegistryClient('reg.example', { username: 'ci', password: 'wrong' }, tokenRegistry().fetch);
  try {
    await client.tags('acme/site');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChainError).code, 'E_REGISTRY_AUTH');
    assert.is((err as ChainError).exitCode, 4);
  }
});

test.run();
