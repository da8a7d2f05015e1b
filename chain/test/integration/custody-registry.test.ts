/**
 * The registry is the custody store: a chain pushed and signed from one clone verifies from any
 * machine that can reach the registry, with no state folder and no engine; and a build killed at
 * any step (pushed, signed, attested, promoted) leaves nothing current without custody, so the
 * next run repairs it and every image verifies.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Statement } from '../../provenance/types.js';
import { absentEngine, exampleChainOn, git, removeChainImages, removeDirs, runCli, spawnChain, startRegistry, tempDir, type TestRegistry, VENDOR_BASE } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('custody from the registry');
const BUILT = ['corebuild', 'httpd', 'runtime', 'docs', 'report', 'site'];
let registry: TestRegistry;
let chain: { dir: string; name: string };
let vendor = '';
const json = <T>(out: string) => JSON.parse(out) as T;
const signed = ['build', '--push', '--sign-key', 'keys/ops-release.key'];

/** Where a node's version tag points in the registry (sha256:...), read with plain HTTP. */
async function releasedDigest(node: string, version: string): Promise<string | null> {
  const r = await fetch(`http://${registry.host}/v2/${chain.name}/${node}/manifests/${version}`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  return r.ok ? r.headers.get('docker-content-digest') : null;
}

async function verifyAll(cwd: string, on: DockerEngine): Promise<void> {
  for (const node of BUILT) {
    const r = await runCli(['verify', node], { cwd, engine: on });
    assert.is(r.code, 0, `${node}: ${r.out}\n${r.err}`);
    assert.match(r.out, /^verified: \d+ links, each signed by a trusted key/m);
  }
}

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  // The vendor base in the registry too, so that nothing the chain needs is only in an engine.
  vendor = `${registry.host}/vendor-${process.pid}/busybox`;
  await engine.tag((await engine.inspect(VENDOR_BASE))?.id as string, vendor, '1.35');
  await engine.push(vendor, '1.35');
  chain = exampleChainOn(registry.host, 'custody', (yaml) => yaml.replace(`image: ${VENDOR_BASE}`, `image: ${vendor}:1.35`));
  // One node without a version (exempt from the policy that wants one): it resolves by its current image, not a version tag.
  const report = path.join(chain.dir, 'layers/app/report/layer.yaml');
  writeFileSync(report, readFileSync(report, 'utf8').replace(/^version: .*\n/m, ''));
  const policy = path.join(chain.dir, 'policies/supply-chain.yaml');
  const exemption = '\n  - { rule: published-metadata, node: report, team: data, expires: 2999-12-31, reason: "a job image, never released by version" }\n';
  writeFileSync(policy, readFileSync(policy, 'utf8').replace(/^exemptions: \[\]\n?/m, `exemptions:${exemption}`));
  assert.is((await runCli(['keys', 'generate', '--out', 'keys', '--name', 'ops-release'], { cwd: chain.dir })).code, 0);
  assert.is((await runCli(['update'], { cwd: chain.dir, engine })).code, 0);
  git(chain.dir, 'add', 'chain.yaml', 'chain.lock', 'layers', 'policies', 'keys/ops-release.pub');
  git(chain.dir, 'commit', '-qm', 'registry, vendor base by digest, signing key');
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  await engine.docker.getImage(`${vendor}:1.35`).remove().catch(() => undefined);
  removeDirs(chain.dir);
  await registry.stop();
});

it('pushed and signed from one clone, verified from another with no state folder and no engine, by the registry alone', async () => {
  const built = await runCli([...signed, '--json'], { cwd: chain.dir, engine });
  assert.is(built.code, 0, built.err);
  await verifyAll(chain.dir, engine);

  await removeChainImages(engine, chain.name);
  const runner = tempDir('chain-runner-');
  git(runner, 'clone', '-q', chain.dir, '.');
  const plan = json<Plan>((await runCli(['plan', '--json'], { cwd: runner, engine })).out);
  assert.is(plan.summary.build, 0, JSON.stringify(plan.nodes.map((n) => [n.name, n.action, n.reasons])));

  const none = absentEngine(); // verification needs neither this machine's engine nor its state
  await verifyAll(runner, none);
  const why = await runCli(['why', 'report'], { cwd: runner, engine: none });
  assert.is(why.code, 0, why.err);
  assert.not.match(why.out, /not built/);
  assert.match(why.out, /^report  owner data  sha256:[0-9a-f]{12}/m);
  assert.match(why.out, /└─ busybox  owner ops  sha256:[0-9a-f]{12}  \(external\)/);
  const statement = json<Statement>((await runCli(['provenance', 'report', '--json'], { cwd: runner, engine: none })).out);
  const report = json<BuildSummary>(built.out).nodes.find((n) => n.name === 'report');
  assert.is(`${statement.subject[0]?.name}@sha256:${statement.subject[0]?.digest?.sha256}`, report?.digest);
  const base = await runCli(['verify', 'busybox'], { cwd: runner, engine: none });
  assert.is(base.code, 0, base.out);
  assert.match(base.out, /^verified: .* is the image chain\.lock pins/m);
  const unknown = await runCli(['verify', 'no-such-node'], { cwd: runner, engine: none });
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /^error\[E_UNKNOWN_NODE\]: no node named 'no-such-node'/);
  removeDirs(runner);
});

it('a build killed as it pushed, signed, attested or promoted: nothing is current without custody, and the rerun leaves every image verified', async () => {
  const steps = [/corebuild: # pushed /, /corebuild: # provenance .* \(signed\)/, /corebuild: # attestation /, /corebuild: # promoted .*:1\.0\.0$/];
  for (const [i, step] of steps.entries()) {
    appendFileSync(path.join(chain.dir, 'layers/core/corebuild/etc/motd'), `kill ${i}\n`);
    const child = spawnChain([...signed, '--verbose', '--jobs', '1'], chain.dir);
    await child.waitFor(step, 120_000);
    child.kill('SIGKILL');
    await child.done;
    const plan = json<Plan>((await runCli(['plan', '--json'], { cwd: chain.dir, engine })).out);
    const core = plan.nodes.find((n) => n.name === 'corebuild');
    // Until its attestation is beside it in the registry, the image is not current.
    if (i < 2) assert.equal([core?.action, core?.reasons[0]?.kind], ['build', 'unattested'], `after the kill at ${step}`);
    else assert.is(core?.action, 'skip', `after the kill at ${step}`);
    const rerun = await runCli([...signed, '--json'], { cwd: chain.dir, engine });
    assert.is(rerun.code, 0, rerun.err);
    await verifyAll(chain.dir, engine);
    // The version tags in the registry converge on the current images, promotion killed or not.
    const current = json<Plan>((await runCli(['plan', '--json'], { cwd: chain.dir, engine })).out);
    for (const node of current.nodes.filter((n) => n.release)) {
      assert.is(node.action, 'skip');
      assert.is(await releasedDigest(node.name, node.release?.tag.split(':').at(-1) as string), node.image?.digest?.split('@')[1] ?? null, `${node.release?.tag} after the kill at ${step}`);
    }
  }
});

it.run();
