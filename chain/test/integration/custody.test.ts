/**
 * Chain of custody against the real engine and git: signed provenance for every built image, a
 * verified lineage down to the base, each tampering case failing with its reason, secrets never
 * recorded, and ownership enforced from git history.
 */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  for (const file of [...files('records'), ...files('logs'), ...files('provenance')]) {
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

it('owners lists every node with its team, members and contact', async () => {
  const r = await cli('owners', '--json');
  const data = JSON.parse(r.out) as { admins: string[]; nodes: { node: string; owner: string; members: string[]; contact: string | null }[] };
  assert.equal(data.admins, ['ops']);
  assert.equal(data.nodes.find((n) => n.node === 'site'), { node: 'site', tier: 'app', owner: 'web', members: ['web@acme.example'], contact: '#web', admin: false });
  assert.is(data.nodes[0]?.node, 'busybox', 'lowest tier first');
});

it('codeowners writes the file; --check fails when chain.yaml changed after it', async () => {
  assert.is((await cli('codeowners')).code, 0);
  const text = readFileSync(path.join(dir, 'CODEOWNERS'), 'utf8');
  assert.match(text, /^\/chain\.yaml ops-lead@acme\.example ops@acme\.example$/m);
  assert.match(text, /^\/layers\/app\/site\/ web@acme\.example$/m);
  assert.is((await cli('codeowners', '--check')).code, 0);
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: data', 'owner: web'));
  const stale = await cli('codeowners', '--check');
  assert.is(stale.code, 1);
  assert.match(stale.err, /error\[E_CODEOWNERS_STALE\]/);
  git(dir, 'checkout', '--', 'chain.yaml');
});

it('check-owners catches a change by a non-member and a graph change by a non-admin', async () => {
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  const commitAs = (email: string, message: string) => git(dir, '-c', `user.email=${email}`, '-c', 'user.name=someone', 'commit', '-qam', message);
  appendFileSync(path.join(dir, 'layers/app/site/public/index.html'), '<p>by the web team</p>\n');
  commitAs('web@acme.example', 'web edits its own site');
  appendFileSync(path.join(dir, 'layers/core/corebuild/etc/motd'), 'sneaky\n');
  commitAs('web@acme.example', 'web edits the core build');
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: data', 'owner: web'));
  commitAs('web@acme.example', 'web takes over report');
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: web\n    path: layers/app/report', 'owner: data\n    path: layers/app/report'));
  commitAs('ops@acme.example', 'ops puts it back');
  const r = await cli('check-owners', '--since', base, '--json');
  assert.is(r.code, 1, r.err);
  const { violations } = JSON.parse(r.out) as { violations: { author: string; file: string; node: string; owner: string; rule: string }[] };
  assert.equal(violations.map((v) => [v.author, v.file, v.node, v.owner, v.rule]), [
    ['web@acme.example', 'layers/core/corebuild/etc/motd', 'corebuild', 'ops', 'node-folder'],
    ['web@acme.example', 'chain.yaml', '-', 'admins (ops)', 'chain-governance'],
  ]);
  const human = await cli('check-owners', '--since', base);
  assert.match(human.out, /COMMIT +AUTHOR +FILE +NODE +OWNER/);
  assert.is((await cli('check-owners', '--since', 'HEAD')).out, 'No ownership violations since HEAD.');
  assert.is((await cli('check-owners', '--since', 'no-such-ref')).code, 2);
});

it.run();
