/** Pure parts of the chain of custody. */
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBase64, keyId, pae, signEnvelope, verifyEnvelope } from '../../provenance/dsse.js';
import { provenanceStatement, type ProvenanceInput } from '../../provenance/statement.js';
import { isSecretArg } from '../../core/model.js';
import { lockChanges, nodeChanges } from '../../core/ownership-rules.js';
import { parseLog } from '../../adapters/git.js';
import { codeowners } from '../../cli/commands/codeowners.js';
import type { ChainConfig } from '../../core/model.js';

test('PAE matches the DSSE spec test vector', () => {
  assert.is(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

test('DSSE: signed by a trusted key verifies; unsigned, untrusted and altered do not; keyid is not trusted', () => {
  const a = generateKeyPairSync('ed25519');
  const b = generateKeyPairSync('ed25519');
  const body = Buffer.from('{"x":1}');
  const env = signEnvelope('application/vnd.in-toto+json', body, a.privateKey);
  assert.equal(verifyEnvelope(env, [b.publicKey, a.publicKey]), { ok: true, keyid: keyId(a.publicKey) });
  assert.equal(verifyEnvelope(env, [b.publicKey]), { ok: false, reason: 'untrusted' });
  assert.equal(verifyEnvelope(signEnvelope('t', body), [a.publicKey]), { ok: false, reason: 'unsigned' });
  const altered = { ...env, payload: Buffer.from('{"x":2}').toString('base64') };
  assert.equal(verifyEnvelope(altered, [a.publicKey]), { ok: false, reason: 'untrusted' });
  const lying = { ...env, signatures: env.signatures.map((s) => ({ ...s, keyid: keyId(b.publicKey) })) };
  assert.equal(verifyEnvelope(lying, [a.publicKey]).ok, true, 'the keyid is a hint, not a decision');
  const urlSafe = { ...env, signatures: env.signatures.map((s) => ({ ...s, sig: s.sig.replace(/\+/g, '-').replace(/\//g, '_') })) };
  assert.equal(verifyEnvelope(urlSafe, [a.publicKey]).ok, true, 'URL-safe base64 is accepted');
  assert.is(decodeBase64(env.payload).toString(), '{"x":1}');
});

test('secret args: declared, or named like a credential', () => {
  for (const name of ['API_TOKEN', 'db_password', 'CLIENT_SECRET', 'SSH_KEY', 'NPM_AUTH_TOKEN']) assert.ok(isSecretArg(name, []), name);
  assert.ok(isSecretArg('LICENSE_BLOB', ['LICENSE_BLOB']));
  assert.not.ok(isSecretArg('REGION', []));
});

const input: ProvenanceInput = {
  chain: 'acme', node: 'site', owner: 'web', tier: 'app', repository: 'acme/site',
  image: { digest: 'sha256:aaa', kind: 'image-id' }, context: 'layers/app/site', dockerfile: 'Dockerfile',
  args: { REGION: 'eu', API_TOKEN: 'x' }, secretArgs: [], version: '1.0.0', fingerprint: 'f'.repeat(64),
  parents: [{ node: 'httpd', repository: 'acme/httpd', image: { digest: 'sha256:bbb', kind: 'image-id' }, external: false, base: true }],
  gitCommit: 'c'.repeat(40), builder: { chain: '0.1.0', engine: '20.10.24' }, invocationId: 'B', startedOn: 'S', finishedOn: 'F', reason: 'patch',
};

test('the statement: subject with digest kind and owner, parents by digest, commit, no secret args', () => {
  const s = provenanceStatement(input);
  assert.equal(s.subject, [{ name: 'acme/site', digest: { sha256: 'aaa' }, annotations: { digestKind: 'image-id', owner: 'web', node: 'site', tier: 'app' } }]);
  assert.equal(s.predicate.buildDefinition.resolvedDependencies, [
    { name: 'httpd', uri: 'pkg:docker/acme/httpd@sha256:bbb', digest: { sha256: 'bbb' }, annotations: { node: 'httpd', digestKind: 'image-id', external: false, base: true } },
    { name: 'context', uri: 'git+layers/app/site', digest: { gitCommit: 'c'.repeat(40) } },
  ]);
  assert.equal(s.predicate.buildDefinition.externalParameters, { node: 'site', context: 'layers/app/site', dockerfile: 'Dockerfile', args: { REGION: 'eu' }, version: '1.0.0', reason: 'patch' });
  assert.equal(s.predicate.runDetails.metadata, { invocationId: 'B', startedOn: 'S', finishedOn: 'F' });
});

test('chain.yaml and chain.lock changes, key by key: what changed in which node, which pins moved', () => {
  const base = { teams: { ops: { members: ['a@x'] } }, admins: ['ops'], nodes: { core: { tier: 'core', owner: 'ops', path: 'p', from: 'b', version: '1.0.0', test: ['t'] } } };
  const edited = { ...base, nodes: { core: { ...base.nodes.core, version: '1.0.1', dockerfile: 'D' }, extra: { tier: 'app', owner: 'ops', path: 'q' } } };
  assert.equal(nodeChanges(base, edited), [{ node: 'core', kind: 'changed', keys: ['dockerfile', 'version'] }, { node: 'extra', kind: 'added', keys: [] }]);
  assert.equal(nodeChanges(edited, base).map((c) => c.kind), ['changed', 'removed']);
  const lock = { lockfileVersion: 1, externals: { base: { digest: 'sha256:a' }, other: { digest: 'sha256:o' } } };
  assert.equal(lockChanges(lock, { ...lock, externals: { ...lock.externals, base: { digest: 'sha256:b' } } }), [{ node: 'base', detail: 'moved the image pin of base' }]);
  assert.equal(lockChanges(lock, { ...lock, lockfileVersion: 2 }), [{ detail: 'changed lockfileVersion in chain.lock' }]);
});

test('parseLog: commits with parent, author and files', () => {
  const out = '\x1eaaa\x1fppp\x1fa@x\x1fAnn\n\nlayers/a/f\nchain.yaml\n\x1ebbb\x1f\x1fb@x\x1fBob\n\nz\n';
  assert.equal(parseLog(out), [
    { sha: 'aaa', parent: 'ppp', email: 'a@x', name: 'Ann', files: ['layers/a/f', 'chain.yaml'] },
    { sha: 'bbb', email: 'b@x', name: 'Bob', files: ['z'] },
  ]);
});

test('CODEOWNERS: admins own chain.yaml, each team its folders; a handle replaces addresses', () => {
  const config = {
    file: '/r/chain.yaml', admins: ['ops'],
    teams: { ops: { name: 'ops', members: ['o@x'] }, web: { name: 'web', members: ['w@x', 'v@x'], handle: '@acme/web' } },
    nodes: { base: { kind: 'external', name: 'base', owner: 'ops' }, site: { kind: 'built', name: 'site', owner: 'web', path: 'layers/site' }, core: { kind: 'built', name: 'core', owner: 'ops', path: 'layers/core' } },
  } as unknown as ChainConfig;
  assert.is(codeowners(config), '# Generated by `chain codeowners` from chain.yaml: edit chain.yaml, not this file.\n\n/chain.yaml o@x\n/layers/core/ o@x\n/layers/site/ @acme/web\n');
});

test.run();
