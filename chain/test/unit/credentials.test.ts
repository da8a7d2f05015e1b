/**
 * Credentials as the docker CLI finds them: credential helpers (real scripts on the PATH of the
 * environment given) before `auths`, in docker/cli's order, and helpers that cannot answer.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentialHelperGet } from '../../adapters/credential-helper.js';
import { dockerCredentials } from '../../adapters/credentials.js';
import { ChainError, ExitCode } from '../../core/errors.js';
import { removeDirs, tempDir } from '../helpers.js';

const SECRET = 's3cret-never-shown';
const bin = tempDir('chain-helpers-');
const PATH = `${bin}:/usr/bin:/bin`;

/** A credential helper script `docker-credential-<suffix>` in bin. */
function helper(suffix: string, body: string): void {
  const file = path.join(bin, `docker-credential-${suffix}`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}
// Each answers with its own name and the server URL it was asked about, to show which one ran on what.
for (const name of ['store', 'pinned']) helper(name, `[ "$1" = get ] || exit 9\nurl=$(cat)\nprintf '{"ServerURL":"%s","Username":"${name}@%s","Secret":"${SECRET}"}\\n' "$url" "$url"`);
helper('token', `cat >/dev/null\nprintf '{"ServerURL":"reg.example","Username":"<token>","Secret":"id-${SECRET}"}'`);
helper('empty', `cat >/dev/null\necho 'credentials not found in native keychain'\nexit 1`);
helper('garbage', `cat >/dev/null\necho 'Username=${SECRET} (not JSON)'`);
helper('broken', `cat >/dev/null\necho 'the keyring is locked'\nexit 3`);
helper('leaky', `cat >/dev/null\necho '{"Username":"u","Secret":"${SECRET}"}'\nexit 1`);
helper('slow', `cat >/dev/null\nsleep 30`);

function configDir(config: object): string {
  const dir = tempDir('chain-docker-config-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
const basic = (user: string, password: string) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });

/** The ChainError fn throws (fails the test when it throws nothing or something else). */
function caught(fn: () => unknown): ChainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ChainError) return err;
    throw err;
  }
  throw new Error('expected a ChainError');
}

test('credHelpers for the host, else credsStore, else auths; a helper hides auths for its hosts', () => {
  const dir = configDir({
    credHelpers: { 'pinned.example:5000': 'pinned', 'opt-out.example': '' },
    credsStore: 'store',
    auths: { 'pinned.example:5000': basic('inline', 'x'), 'any.example': basic('inline', 'x'), 'opt-out.example': basic('file', 'pw') },
  });
  const env = { DOCKER_CONFIG: dir, PATH };
  assert.equal(dockerCredentials('pinned.example:5000', env), { username: 'pinned@pinned.example:5000', password: SECRET });
  // credsStore answers for every other host, even one with inline credentials in auths (docker/cli does the same).
  assert.equal(dockerCredentials('any.example', env), { username: 'store@any.example', password: SECRET });
  // An empty credHelpers entry sends its host back to auths, past credsStore.
  assert.equal(dockerCredentials('opt-out.example', env), { username: 'file', password: 'pw' });
  // Docker Hub is asked about under its historical index address.
  assert.equal(dockerCredentials('docker.io', env), { username: 'store@https://index.docker.io/v1/', password: SECRET });
  removeDirs(dir);
});

test('a helper with nothing for the host means no credentials, not an error, and auths do not stand in', () => {
  const dir = configDir({ credsStore: 'empty', auths: { 'reg.example': basic('inline', 'x') } });
  assert.is(dockerCredentials('reg.example', { DOCKER_CONFIG: dir, PATH }), undefined);
  removeDirs(dir);
});

test('an identity token (username <token>) is passed on as one', () => {
  const dir = configDir({ credHelpers: { 'reg.example': 'token' }, auths: { 'tok.example': { identitytoken: 'file-token' } } });
  assert.equal(dockerCredentials('reg.example', { DOCKER_CONFIG: dir, PATH }), { username: '<token>', password: `id-${SECRET}`, identityToken: `id-${SECRET}` });
  assert.equal(dockerCredentials('tok.example', { DOCKER_CONFIG: dir, PATH }), { username: '<token>', password: 'file-token', identityToken: 'file-token' });
  removeDirs(dir);
});

test('auths keyed by a URL of the host still count; no config file means no credentials', () => {
  const dir = configDir({ auths: { 'https://legacy.example:5000/v1/': basic('old', 'pw') } });
  assert.equal(dockerCredentials('legacy.example:5000', { DOCKER_CONFIG: dir }), { username: 'old', password: 'pw' });
  assert.is(dockerCredentials('legacy.example', { DOCKER_CONFIG: dir }), undefined);
  assert.is(dockerCredentials('reg.example', { DOCKER_CONFIG: path.join(dir, 'absent') }), undefined);
  removeDirs(dir);
});

test('a helper that is missing, fails or answers garbage: E_CREDENTIALS, exit 4, a hint naming it and the config file, no secret', () => {
  const cases: [string, RegExp][] = [
    ['absent', /docker-credential-absent is not on PATH/],
    ['broken', /docker-credential-broken failed \(exit status 3: the keyring is locked\) for reg\.example$/],
    ['leaky', /docker-credential-leaky failed \(exit status 1\) for reg\.example$/],
    ['garbage', /docker-credential-garbage answered with something that is not credentials JSON/],
  ];
  for (const [suffix, message] of cases) {
    const dir = configDir({ credHelpers: { 'reg.example': suffix } });
    const file = path.join(dir, 'config.json');
    const err = caught(() => dockerCredentials('reg.example', { DOCKER_CONFIG: dir, PATH }));
    const [p] = err.problems;
    assert.is(err.code, 'E_CREDENTIALS');
    assert.is(err.exitCode, ExitCode.registry);
    assert.match(p?.message ?? '', message);
    assert.ok(p?.hint?.includes(`docker-credential-${suffix}`) && p.hint.includes(`credHelpers["reg.example"] in ${file}`), p?.hint);
    assert.equal(p?.location, { file });
    assert.not.ok(JSON.stringify(err.problems).includes(SECRET), 'the secret is never in the error');
    removeDirs(dir);
  }
  // PATH comes from the env given, not from this process: without it the helper is not found.
  const dir = configDir({ credsStore: 'store' });
  assert.match(caught(() => dockerCredentials('reg.example', { DOCKER_CONFIG: dir })).message, /docker-credential-store is not on PATH/);
  assert.ok(caught(() => dockerCredentials('reg.example', { DOCKER_CONFIG: dir })).problems[0]?.hint?.endsWith(`credsStore in ${path.join(dir, 'config.json')}`));
  removeDirs(dir);
});

test('a helper that hangs is stopped at the time limit with a clear error', () => {
  const started = Date.now();
  const err = caught(() => credentialHelperGet({ suffix: 'slow', serverUrl: 'reg.example', env: { PATH }, configFile: '/cfg/config.json', setting: 'credsStore', timeoutMs: 300 }));
  assert.ok(Date.now() - started < 5_000, 'it did not wait for the helper');
  assert.is(err.code, 'E_CREDENTIALS');
  assert.is(err.exitCode, ExitCode.registry);
  assert.is(err.problems[0]?.message, 'the credential helper docker-credential-slow did not answer within 0.3 s for reg.example');
  assert.match(err.problems[0]?.hint ?? '', /docker-credential-slow .* or change credsStore in \/cfg\/config\.json$/);
});

test.after(() => removeDirs(bin));

test.run();
