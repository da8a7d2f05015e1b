/**
 * The labels on a built image, against the real engine, under both builders: exactly the labels
 * chain gives (over the Dockerfile's own), the rest of the config as the Dockerfile made it, the
 * image's ID in its record and provenance, and `chain verify` passing. Under the classic builder
 * the labels go on without a LABEL step (a new config loaded: adapters/engine-label.ts), or with
 * one when the image's history does not say which empty entries made layers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { StateStore } from '../../adapters/state.js';
import type { BuildSummary } from '../../exec/events.js';
import { git, removeChainImages, removeDirs, runCli, tempRepo, VENDOR_BASE } from '../helpers.js';

const engine = new DockerEngine();
const dir = tempRepo();
const name = `lb${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
const it = suite('labels');
const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
/** An external base whose history cannot say which of two zero-byte RUN steps made its layer: loaded, so the engine names none of its steps. */
const ambiguous = `${name}-ambiguous:1`;

const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
};

async function build(...args: string[]): Promise<BuildSummary> {
  const r = await cli('build', '--json', '--sign-key', 'keys/ops.key', ...args);
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as BuildSummary;
}

async function raw(ref: string): Promise<{ Id: string; Config: Record<string, unknown> & { Labels: Record<string, string> }; RootFS: { Layers: string[] }; Created: string }> {
  return (await engine.docker.getImage(ref).inspect()) as never;
}
const historyOf = async (ref: string) => ((await engine.docker.getImage(ref).history()) as { CreatedBy: string }[]).map((h) => h.CreatedBy).reverse();
const log = (node: string) => readFileSync(path.join(dir, '.chain/logs', `${node}.log`), 'utf8');

/** The labels chain gives `node`, exactly, with what its plan and parent say. */
async function expectedLabels(node: string, parent: { name: string; ref: string; image: string }, tier: string, builder: string): Promise<Record<string, string>> {
  const plan = JSON.parse((await cli('plan', '--json', '--builder', builder)).out) as { nodes: { name: string; fingerprint: string }[] };
  const fingerprint = (n: string) => plan.nodes.find((p) => p.name === n)?.fingerprint as string;
  const base = await raw(parent.image);
  return {
    'org.opencontainers.image.title': node,
    'org.opencontainers.image.source': `file://${path.join(dir, 'layers', node)}`,
    'org.opencontainers.image.version': /^version: (.*)$/m.exec(readFileSync(path.join(dir, 'layers', node, 'layer.yaml'), 'utf8'))?.[1] as string,
    'org.opencontainers.image.revision': git(dir, 'rev-parse', 'HEAD').trim(),
    'org.opencontainers.image.base.name': parent.ref ? parent.ref : `${name}/${parent.name}:fp-${fingerprint(parent.name).slice(0, 12)}`,
    // An external base known by its registry digest is named by it, else by its ID.
    'org.opencontainers.image.base.digest': parent.ref ? 'external' : base.Id,
    'dev.chain.chain': name,
    'dev.chain.node': node,
    'dev.chain.tier': tier,
    'dev.chain.owner': 'ops',
    'dev.chain.fingerprint': fingerprint(node),
    'dev.chain.base-layers': String(base.RootFS.Layers.length),
    'dev.chain.base-history': String((await historyOf(parent.image)).length),
  };
}

/** Checks one built node: labels exactly, ID in record and provenance, verify; returns its image ID. */
async function checkNode(summary: BuildSummary, node: string, parent: { name: string; ref: string }, tier: string, own: Record<string, string>, builder = 'classic'): Promise<string> {
  const result = summary.nodes.find((n) => n.name === node);
  assert.is(result?.status, 'built', node);
  const id = result?.imageId as string;
  const image = await raw(id);
  const parentImage = parent.ref ? parent.ref : (summary.nodes.find((n) => n.name === parent.name)?.imageId as string);
  const expected: Record<string, string> = { ...own, ...(await expectedLabels(node, { ...parent, image: parentImage }, tier, builder)) };
  if (expected['org.opencontainers.image.base.digest'] === 'external') {
    const base = (await engine.docker.getImage(parent.ref).inspect()) as { Id: string; RepoDigests?: string[] };
    const named = image.Config.Labels['org.opencontainers.image.base.digest'] as string;
    assert.ok([base.Id, ...(base.RepoDigests ?? []).map((d) => d.split('@')[1])].includes(named), `${node}: base.digest ${named} names ${parent.ref}`);
    expected['org.opencontainers.image.base.digest'] = named;
  }
  const ownInputs = image.Config.Labels['dev.chain.own-inputs'];
  assert.match(ownInputs ?? '', /^[0-9a-f]{64}$/, 'the own-inputs key is there');
  assert.equal(image.Config.Labels, Object.fromEntries(Object.entries({ ...expected, 'dev.chain.own-inputs': ownInputs as string }).sort(([a], [b]) => (a < b ? -1 : 1))), `${node}: exactly these labels`);
  // The fingerprint tag names this image, and its record and provenance name its ID.
  assert.is((await raw(`${name}/${node}:fp-${expected['dev.chain.fingerprint']?.slice(0, 12)}`)).Id, id);
  assert.is(new StateStore(dir).readRecord(node)?.imageId, id);
  assert.ok(new ProvenanceStore(dir).subjects().has(id), `${node}: its provenance names ${id}`);
  const verified = await cli('verify', node);
  assert.is(verified.code, 0, `${node}: ${verified.out} ${verified.err}`);
  return id;
}

it.before(async () => {
  await engine.ping();
  assert.is((await cli('keys', 'generate', '--out', 'keys', '--name', 'ops')).code, 0);
  write(
    'chain.yaml',
    [
      'version: 1',
      `name: ${name}`,
      'teams:',
      '  ops: { members: [ops@x.example] }',
      'trustedKeys: [keys/ops.pub]',
      'nodes:',
      '  base: { tier: base, owner: ops, image: vendor/busybox:1.35 }',
      '  core: { tier: core, owner: ops, path: layers/core, from: [base] }',
      '  app: { tier: app, owner: ops, path: layers/app, from: [core] }',
      `  odd: { tier: base, owner: ops, image: "${ambiguous}" }`,
      '  pruned: { tier: app, owner: ops, path: layers/pruned, from: [odd] }',
      '',
    ].join('\n'),
  );
  // core's Dockerfile has labels of its own (one of them a chain label, which chain's overrides), ENV, WORKDIR and a user.
  write('layers/core/Dockerfile', 'FROM base\nLABEL team.note="from the Dockerfile" org.opencontainers.image.title=wrong\nENV GREETING=hello\nCOPY data.txt /core.txt\nWORKDIR /srv\nUSER 10001\n');
  write('layers/core/data.txt', 'core\n');
  write('layers/core/layer.yaml', 'version: 1.0.0\ntest: ["test -s /core.txt", "test \\"$GREETING\\" = hello"]\n');
  write('layers/app/Dockerfile', 'FROM core\nCOPY data.txt /srv/app.txt\nCMD ["cat", "/srv/app.txt"]\n');
  write('layers/app/data.txt', 'app\n');
  write('layers/app/layer.yaml', 'version: 1.0.0\ntest: ["test \\"$(pwd)\\" = /srv && test \\"$(id -u)\\" = 10001"]\n');
  // Two RUN steps that write no bytes, one a removal (a layer), one not (no layer), in a base that was saved and loaded.
  const context = path.join(dir, '.ambiguous');
  mkdirSync(context);
  writeFileSync(path.join(context, 'Dockerfile'), `FROM ${VENDOR_BASE}\nRUN true\nRUN rm /bin/true\n`);
  const docker = (...args: string[]) => execFileSync('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  docker('build', '-q', '-t', ambiguous, context);
  const saved = docker('save', ambiguous);
  docker('rmi', ambiguous);
  execFileSync('docker', ['load', '-q'], { input: saved, stdio: ['pipe', 'ignore', 'pipe'] });
  removeDirs(context);
  write('layers/pruned/Dockerfile', 'FROM odd\nCOPY data.txt /pruned.txt\n');
  write('layers/pruned/data.txt', 'pruned\n');
  write('layers/pruned/layer.yaml', 'version: 1.0.0\ntest: ["test ! -e /bin/true && test -s /pruned.txt"]\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'labels chain');
});

it.after(async () => {
  await removeChainImages(engine, name);
  await engine.docker.getImage(ambiguous).remove().catch(() => undefined);
  removeDirs(dir);
});

it('classic: labels without a LABEL step, exactly as chain gives them; config, layers and history as built; ID in record and provenance; verify passes', async () => {
  const summary = await build();
  const own = { 'team.note': 'from the Dockerfile' };
  assert.equal(((await engine.docker.getImage(ambiguous).history()) as { Id: string }[]).slice(1).map((h) => h.Id), ['<missing>', '<missing>'], 'the engine names none of the loaded base steps');
  const core = await checkNode(summary, 'core', { name: 'base', ref: VENDOR_BASE }, 'core', own);
  const app = await checkNode(summary, 'app', { name: 'core', ref: '' }, 'app', own);
  for (const [node, id] of [['core', core], ['app', app]] as const) {
    const made = /^# labelled (sha256:[0-9a-f]{64}): (sha256:[0-9a-f]{64})$/m.exec(log(node));
    assert.ok(made, `${node}: labelled by a new config:\n${log(node)}`);
    assert.is(made[2], id);
    assert.not.match(log(node), /^Step \d+\/\d+ : LABEL "org\.opencontainers/m, `${node}: no LABEL step of chain's ran`);
    // The same image as the build made, but for the labels: config, layers, history; made when labelled.
    const [before, after] = [await raw(made[1] as string), await raw(id)];
    const { Labels: _a, Image: image, ...config } = after.Config;
    const { Labels: _b, ...built } = before.Config;
    delete built['Image'];
    assert.equal(config, built, `${node}: the config is the build's`);
    assert.is(image, before.Id, `${node}: the config names the image it was made from`);
    assert.equal(after.RootFS.Layers, before.RootFS.Layers);
    assert.ok(Date.parse(after.Created) >= Date.parse(before.Created), `${node}: labelled (${after.Created}) no earlier than built (${before.Created})`);
    assert.equal(await historyOf(id), await historyOf(before.Id));
  }
  const core0 = await raw(core);
  assert.equal([core0.Config['Env'], core0.Config['WorkingDir'], core0.Config['User']], [['PATH=/bin', 'GREETING=hello'], '/srv', '10001']);
  assert.is(execFileSync('docker', ['run', '--rm', '--network', 'none', app], { encoding: 'utf8' }), 'app\n', 'the image runs as its Dockerfile says');
  // A history that does not tell which entries made layers: a LABEL step, the same labels.
  await checkNode(summary, 'pruned', { name: 'odd', ref: ambiguous }, 'app', {});
  assert.match(log('pruned'), /^# labelling sha256:[0-9a-f]{64} with a LABEL step/m);
  assert.is((await cli('build')).out, 'Nothing to build: 3 up to date.');

  // A patch rebuilds app from the build cache, every step: the same image is built, and labelled
  // anew, when it is labelled (prune keeps the newest by creation time).
  assert.is((await cli('patch', 'app', '--reason', 'labels test')).code, 0);
  const patched = (await build('app')).nodes.find((n) => n.name === 'app')?.imageId as string;
  const steps = log('app').split('\n').filter((l) => /^Step \d+\/\d+ : /.test(l)).length;
  assert.is(log('app').split('\n').filter((l) => l === ' ---> Using cache').length, steps - 1, `every step but FROM from the cache:\n${log('app')}`);
  assert.is(/^# labelled (sha256:[0-9a-f]{64}):/m.exec(log('app'))?.[1], (await raw(app)).Config['Image'], 'the same image as built before');
  assert.ok(Date.parse((await raw(patched)).Created) > Date.parse((await raw(app)).Created), 'labelled later than the build it repeats');
});

it('removing the chain images removes the images they were made from (a root node one carries no chain label)', async () => {
  const before = /^# labelled (sha256:[0-9a-f]{64}):/m.exec(log('core'))?.[1] as string;
  assert.ok(await engine.inspect(before));
  assert.is((await engine.inspect(before))?.labels['dev.chain.chain'], undefined, 'no chain label on it');
  await removeChainImages(engine, name);
  assert.is(await engine.inspect(before), undefined);
  assert.ok(await engine.inspect(VENDOR_BASE), 'the vendor base stays');
});

it('buildkit: the same labels (a LABEL instruction, no container there); verify passes', async () => {
  const summary = await build('--builder', 'buildkit');
  const own = { 'team.note': 'from the Dockerfile' };
  await checkNode(summary, 'core', { name: 'base', ref: VENDOR_BASE }, 'core', own, 'buildkit');
  await checkNode(summary, 'app', { name: 'core', ref: '' }, 'app', own, 'buildkit');
  await checkNode(summary, 'pruned', { name: 'odd', ref: ambiguous }, 'app', {}, 'buildkit');
});

it.run();
