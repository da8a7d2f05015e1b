/**
 * Chain of custody against the real engine and git: signed provenance for every built image, a
 * verified lineage down to the base, each tampering case failing with its reason, secrets never
 * recorded. (Ownership, which needs no engine, is tested in unit/ownership.)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { signEnvelope } from '../../provenance/dsse.js';
import type { Statement } from '../../provenance/types.js';
import { readPrivateKey } from '../../adapters/keys.js';
import type { VerifyResult } from '../../provenance/verify.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('chain of custody');
const SECRET = 's3cr3t-value-never-recorded';
const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
const verify = async (target: string) => {
  const r = await cli('verify', target, '--json');
  return { code: r.code, result: JSON.parse(r.out) as VerifyResult, err: r.err };
};
const store = new ProvenanceStore(dir);

it.before(async () => {
  await engine.ping();
  // Keys: the chain trusts ops' key; another key exists that it does not trust.
  // The example chain trusts keys/ops-release.pub and names ops its admins.
  assert.is((await cli('keys', 'generate', '--out', 'keys', '--name', 'ops-release')).code, 0);
  assert.is((await cli('keys', 'generate', '--out', 'keys', '--name', 'stranger')).code, 0);
  // A secret build arg on the report job: it must reach the build, never a record or a log.
  writeFileSync(path.join(dir, 'layers/app/report/layer.yaml'), `${readFileSync(path.join(dir, 'layers/app/report/layer.yaml'), 'utf8')}args:\n  API_TOKEN: ${SECRET}\n  REGION: eu\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'report args');
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('a signed build records provenance for every image, and every image verifies to its base', async () => {
  const r = await cli('build', '--sign-key', 'keys/ops-release.key');
  assert.is(r.code, 0, r.err);
  for (const node of ['site', 'docs', 'report']) {
    const { code, result } = await verify(node);
    assert.is(code, 0, JSON.stringify(result.broken));
    assert.ok(result.links.some((l) => l.node === 'busybox' && l.external), 'the walk reaches the vendor base');
  }
  const { result } = await verify('docs');
  assert.equal(result.links.map((l) => l.node), ['docs', 'httpd', 'corebuild', 'busybox', 'runtime']);
  assert.equal(result.links.map((l) => l.owner), ['web', 'middleware', 'ops', 'ops', 'middleware']);
  // An image reference works as well as a node name.
  assert.is((await verify(`${name}/site:1.0.0`)).code, 0);
});

it('the statement is in-toto v1 with SLSA provenance v1: subject, parents by digest, git commit, owner', async () => {
  const r = await cli('provenance', 'httpd', '--json');
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out) as Statement;
  const image = await engine.inspect(`${name}/httpd:2.4.0`);
  assert.is(s._type, 'https://in-toto.io/Statement/v1');
  assert.is(s.predicateType, 'https://slsa.dev/provenance/v1');
  assert.is(`sha256:${s.subject[0]?.digest?.sha256}`, image?.id);
  assert.equal(s.subject[0]?.annotations, { digestKind: 'image-id', owner: 'middleware', node: 'httpd', tier: 'middleware' });
  const deps = s.predicate.buildDefinition.resolvedDependencies ?? [];
  const core = await engine.inspect(`${name}/corebuild:1.0.0`);
  assert.is(`sha256:${deps.find((d) => d.name === 'corebuild')?.digest?.sha256}`, core?.id);
  assert.is(deps.find((d) => d.digest?.gitCommit)?.digest?.gitCommit, git(dir, 'rev-parse', 'HEAD').trim());
  assert.equal(s.predicate.buildDefinition.externalParameters, { node: 'httpd', context: 'layers/middleware/httpd', dockerfile: 'Dockerfile', args: {}, version: '2.4.0' });
  assert.is(s.predicate.runDetails.builder.id, 'https://chain.dev/builder/chain');
  assert.match(s.predicate.runDetails.metadata?.invocationId ?? '', /^\d{8}\.\d{6}\.[0-9a-f]{4}$/);
  const human = await cli('provenance', 'httpd');
  assert.match(human.out, /signed +key [0-9a-f]{16}/);
});

it('secret build args are in no record and no log', async () => {
  const report = JSON.parse((await cli('provenance', 'report', '--json')).out) as Statement;
  assert.equal(report.predicate.buildDefinition.externalParameters.args, { REGION: 'eu' });
  const files = (sub: string) => readdirSync(path.join(dir, '.chain', sub), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
  const written = [...files('records'), ...files('logs'), ...files('provenance')];
  assert.ok(written.some((f) => f.endsWith(path.join('logs', 'report.log'))), 'the report build log is among the files read');
  for (const file of written) {
    const text = readFileSync(file, 'utf8');
    assert.not.ok(text.includes(SECRET), `${file} holds the secret`);
    assert.not.ok(text.includes(Buffer.from(SECRET).toString('base64').slice(0, 20)), `${file} holds the secret in base64`);
    assert.not.ok(text.includes(createHash('sha256').update(SECRET).digest('hex')), `${file} holds the secret's hash`);
  }
});

it('a tampered record fails as corrupt', async () => {
  const record = store.latest('site');
  assert.ok(record && !('corrupt' in record));
  const file = store.recordFile(record.address);
  const original = readFileSync(file, 'utf8');
  const statement = JSON.parse(JSON.stringify(record.statement)) as Statement;
  statement.subject[0]!.annotations!.owner = 'mallory';
  writeFileSync(file, JSON.stringify({ ...record.envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }));
  const { code, result } = await verify('site');
  assert.is(code, 1);
  assert.is(result.broken?.node, 'site');
  assert.match(result.broken?.reason ?? '', /is corrupt: its content does not match its content address/);
  writeFileSync(file, original);
  assert.is((await verify('site')).code, 0);
});

/** Replaces a node's record with one made from `edit` of its statement and signed by `key`, for the duration of `check`. */
async function forged(node: string, keyFile: string | undefined, edit: (s: Statement) => void, check: () => Promise<void>): Promise<void> {
  const record = store.latest(node);
  assert.ok(record && !('corrupt' in record));
  const statement = JSON.parse(JSON.stringify(record.statement)) as Statement;
  edit(statement);
  const envelope = signEnvelope('application/vnd.in-toto+json', Buffer.from(JSON.stringify(statement)), keyFile ? readPrivateKey(path.join(dir, keyFile)) : undefined);
  const subject = `sha256:${record.statement.subject[0]?.digest?.sha256}`;
  store.put(envelope, node, subject);
  try {
    await check();
  } finally {
    store.put(record.envelope, node, subject);
  }
}

it('a re-signed record with a content edit still fails: the signature is over the content', async () => {
  // The edit is re-addressed (a valid content address) but keeps the old signature.
  const record = store.latest('httpd');
  assert.ok(record && !('corrupt' in record));
  const statement = JSON.parse(JSON.stringify(record.statement)) as Statement;
  (statement.predicate.buildDefinition.externalParameters as { version: string }).version = '9.9.9';
  const envelope = { ...record.envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
  store.put(envelope, 'httpd', `sha256:${record.statement.subject[0]?.digest?.sha256}`);
  const { result } = await verify('site');
  assert.is(result.broken?.node, 'httpd');
  assert.match(result.broken?.reason ?? '', /not signed by a trusted key/);
  store.put(record.envelope, 'httpd', `sha256:${record.statement.subject[0]?.digest?.sha256}`);
  assert.is((await verify('site')).code, 0);
});

it('a swapped parent fails: the image is not built on the parent its record names', async () => {
  const runtime = await engine.inspect(`${name}/runtime:1.2.0`);
  const swap = (s: Statement) => {
    const dep = s.predicate.buildDefinition.resolvedDependencies?.find((d) => d.name === 'httpd');
    dep!.digest = { sha256: (runtime?.id ?? '').slice(7) };
  };
  await forged('site', 'keys/ops-release.key', swap, async () => {
    const { code, result } = await verify('site');
    assert.is(code, 1);
    assert.is(result.broken?.node, 'site');
    assert.match(result.broken?.reason ?? '', /not built on the parent its record names: its layers do not start with those of httpd/);
  });
});

it('an unsigned link fails, naming the link', async () => {
  await forged('corebuild', undefined, () => undefined, async () => {
    const { code, result } = await verify('site');
    assert.is(code, 1);
    assert.is(result.broken?.node, 'corebuild');
    assert.is(result.broken?.reason, 'the provenance record is unsigned');
    assert.equal(result.links.map((l) => l.node), ['site', 'httpd'], 'the links above the broken one verified');
  });
});

it('a link signed by an untrusted key fails', async () => {
  await forged('runtime', 'keys/stranger.key', () => undefined, async () => {
    const { code, result } = await verify('report');
    assert.is(code, 1);
    assert.is(result.broken?.node, 'runtime');
    assert.is(result.broken?.reason, 'the provenance record is not signed by a trusted key');
    const human = await cli('verify', 'report');
    assert.match(human.out, /BROKEN at runtime \(sha256:[0-9a-f]{12}\): the provenance record is not signed by a trusted key/);
  });
  assert.is((await verify('report')).code, 0);
});

it('why shows the family tree with owners, versions and digests', async () => {
  const r = await cli('why', 'docs');
  assert.is(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0] ?? '', /^docs 1\.0\.0  owner web  sha256:[0-9a-f]{12}$/);
  assert.match(r.out, /├─ httpd 2\.4\.0  owner middleware  sha256:/);
  assert.match(r.out, /└─ busybox  owner ops  sha256:[0-9a-f]{12}  \(external\)/);
});

it.run();
