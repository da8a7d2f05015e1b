/** The registry client's pure parts, and its token flow against an in-memory registry that demands it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bearerChallenge, dockerCredentials, parseRegistry, RegistryClient, sha256Digest } from '../../adapters/registry.js';
import { attestationConfig, attestationLayer, attestationTag, putAttestation } from '../../adapters/registry-images.js';
import { signEnvelope } from '../../provenance/dsse.js';
import { BUILDER_ID, PAYLOAD_TYPE, SLSA_PROVENANCE_V1, STATEMENT_TYPE } from '../../provenance/types.js';
import { tokenScope } from '../../adapters/registry-auth.js';
import type { ChainError } from '../../core/errors.js';
import { tempDir, removeDirs } from '../helpers.js';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  // Without DOCKER_CONFIG: the .docker folder of the HOME it is given.
  const home = tempDir();
  mkdirSync(path.join(home, '.docker'));
  writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'reg.example': { username: 'h', password: 'p' } } }));
  assert.equal(dockerCredentials('reg.example', { HOME: home }), { username: 'h', password: 'p' });
  removeDirs(dir, home);
});

test('token scopes from path and method: reads pull, writes pull and push, names with slashes', () => {
  assert.is(tokenScope('/v2/acme/site/tags/list', 'GET'), 'repository:acme/site:pull');
  assert.is(tokenScope('/v2/acme/site/manifests/1.0.0', 'HEAD'), 'repository:acme/site:pull');
  assert.is(tokenScope('/v2/a/blobs/b/blobs/sha256:abc', 'GET'), 'repository:a/blobs/b:pull');
  assert.is(tokenScope('/v2/acme/site/blobs/uploads/', 'POST'), 'repository:acme/site:pull,push');
  assert.is(tokenScope('/v2/acme/site/blobs/uploads/0f3c-uuid', 'PUT'), 'repository:acme/site:pull,push');
  assert.is(tokenScope('/v2/acme/site/manifests/sha256-abc.att', 'PUT'), 'repository:acme/site:pull,push');
  assert.is(tokenScope('/v2/acme/site/manifests/sha256:abc', 'DELETE'), 'repository:acme/site:delete');
  assert.is(tokenScope('/v2/', 'GET'), undefined);
});

/**
 * A registry that wants a bearer token for the scope of each request (acme/site only), and a
 * token service that wants the right basic credentials. expire() makes every token issued so far stale.
 */
function tokenRegistry(): { fetch: typeof fetch; calls: string[]; expire: () => void } {
  const calls: string[] = [];
  let generation = 0;
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    calls.push(`${init?.method ?? 'GET'} ${url.host}${url.pathname}${url.search} ${auth.split(' ')[0]}`);
    if (url.host === 'auth.example') {
      const ok = auth === `Basic ${Buffer.from('ci:secret').toString('base64')}` && url.searchParams.get('service') === 'reg.example';
      return ok ? Response.json({ token: `${generation}|${url.searchParams.get('scope')}` }) : new Response('no', { status: 401 });
    }
    const scope = `repository:acme/site:${['GET', 'HEAD'].includes(init?.method ?? 'GET') ? 'pull' : 'pull,push'}`;
    if (auth !== `Bearer ${generation}|${scope}`) {
      return new Response('', { status: 401, headers: { 'www-authenticate': `Bearer realm="https://auth.example/token",service="reg.example",scope="${scope}"` } });
    }
    if (url.pathname.endsWith('/tags/list')) return Response.json({ name: 'acme/site', tags: ['1.0.0'] });
    if (url.pathname.includes('/manifests/') && init?.method !== 'PUT') return new Response(null, { status: 404 }); // no manifest yet
    return new Response(null, { status: init?.method === 'PUT' ? 201 : 200 }); // blobs are there; manifests are stored
  };
  return { fetch: impl as typeof fetch, calls, expire: () => generation++ };
}

const pullToken = 'GET auth.example/token?service=reg.example&scope=repository%3Aacme%2Fsite%3Apull Basic';

test('token authentication: credentials are traded for a bearer token; then each request goes out once, with it', async () => {
  const { fetch, calls } = tokenRegistry();
  const client = new RegistryClient('reg.example', { username: 'ci', password: 'secret' }, fetch);
  assert.equal(await client.tags('acme/site'), ['1.0.0']);
  assert.equal(calls, ['GET reg.example/v2/acme/site/tags/list Basic', pullToken, 'GET reg.example/v2/acme/site/tags/list Bearer']);
  const before = calls.length;
  assert.equal(await client.tags('acme/site'), ['1.0.0']);
  assert.is(calls.length - before, 1, 'a second call costs exactly one request');
  assert.is(calls.at(-1), 'GET reg.example/v2/acme/site/tags/list Bearer');
});

test('token authentication: a new scope gets its token from the remembered service before the request', async () => {
  const { fetch, calls } = tokenRegistry();
  const client = new RegistryClient('reg.example', { username: 'ci', password: 'secret' }, fetch);
  await client.tags('acme/site');
  calls.length = 0;
  const statement = { _type: STATEMENT_TYPE, subject: [{ digest: { sha256: 'abc' } }], predicateType: SLSA_PROVENANCE_V1, predicate: { runDetails: { builder: { id: BUILDER_ID } } } };
  const envelope = Buffer.from(JSON.stringify(signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)))));
  const layer = attestationLayer(envelope, SLSA_PROVENANCE_V1);
  assert.is(await putAttestation(client, 'acme/site', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:abc', size: 2 }, envelope), 'sha256-abc.att');
  assert.equal(calls, [
    'GET reg.example/v2/acme/site/manifests/sha256-abc.att Bearer',
    `HEAD reg.example/v2/acme/site/blobs/${layer.digest} Bearer`,
    `HEAD reg.example/v2/acme/site/blobs/${sha256Digest(attestationConfig([layer]))} Bearer`,
    'GET auth.example/token?service=reg.example&scope=repository%3Aacme%2Fsite%3Apull%2Cpush Basic',
    'PUT reg.example/v2/acme/site/manifests/sha256-abc.att Bearer',
  ]);
});

test('token authentication: a cached token the registry no longer takes is replaced once, through its challenge', async () => {
  const { fetch, calls, expire } = tokenRegistry();
  const client = new RegistryClient('reg.example', { username: 'ci', password: 'secret' }, fetch);
  await client.tags('acme/site');
  expire();
  calls.length = 0;
  assert.equal(await client.tags('acme/site'), ['1.0.0']);
  assert.equal(calls, ['GET reg.example/v2/acme/site/tags/list Bearer', pullToken, 'GET reg.example/v2/acme/site/tags/list Bearer']);
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
