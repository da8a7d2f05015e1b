/**
 * The example chain under `builder: buildkit`, against the real engine and git: it builds, tests,
 * signs and verifies; a node's secrets reach its RUN --mount=type=secret and nothing else (not the
 * image's history, config or layers, nor the logs, records or provenance); a cache mount is
 * reused by the next build; a failed step is told at its Dockerfile line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, git, jsonOf, removeChainImages, removeDirs, runCli, spawnChain, tempDir } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain('bk');
const secretDir = tempDir();
const it = suite('buildkit');
const TOKEN = 'tok-7f3a9c1e5b2d-never-in-an-image';
const CERT = 'cert-4c8e2a6f0d1b-never-in-an-image';
const env = { CHAIN_TEST_TOKEN: TOKEN };
const cli = (args: string[], extra: Record<string, string> = env) => runCli(args, { cwd: dir, engine, env: extra });
const edit = (file: string, fn: (text: string) => string) => writeFileSync(path.join(dir, file), fn(readFileSync(path.join(dir, file), 'utf8')));
const commit = (message: string) => {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
};
async function build(...args: string[]): Promise<{ code: number; summary: BuildSummary; err: string }> {
  const r = await cli(['build', '--json', ...args]);
  return { code: r.code, summary: JSON.parse(r.out) as BuildSummary, err: r.err };
}
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const runIn = (image: string, ...cmd: string[]) => docker('run', '--rm', '--network', 'none', '--entrypoint', '', image, ...cmd);

/** Every file under a folder, as [path, bytes]. */
function files(root: string): [string, Buffer][] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(root, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => [f, readFileSync(f)]);
}
/** A text and, for JSON with DSSE payloads anywhere in it, those payloads decoded too. */
function withPayloads(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const payloads: string[] = [];
  try {
    JSON.parse(text, (key, value: unknown) => {
      if (key === 'payload' && typeof value === 'string') payloads.push(Buffer.from(value, 'base64').toString('utf8'));
      return value;
    });
  } catch {
    // not JSON: the text alone
  }
  return [text, ...payloads].join('\n');
}

it.before(async () => {
  await engine.ping();
  assert.is((await cli(['keys', 'generate', '--out', 'keys', '--name', 'ops-release'])).code, 0);
  writeFileSync(path.join(secretDir, 'cert.pem'), CERT);
  edit('chain.yaml', (yaml) => yaml.replace(/^name: (.*)$/m, 'name: $1\nbuilder: buildkit').replace(/^nodes:$/m, 'nodes:\n  cachey:\n    tier: app\n    owner: data\n    path: layers/app/cachey\n    from: runtime'));
  // The report job reads two secrets while it builds, and (badly) prints one: the log must not show it.
  edit('layers/app/report/layer.yaml', (y) => `${y}secrets:\n  token: { env: CHAIN_TEST_TOKEN }\n  cert: { file: ${path.join(secretDir, 'cert.pem')} }\n`);
  edit('layers/app/report/Dockerfile', (d) => d.replace('USER 10001', `RUN --mount=type=secret,id=token --mount=type=secret,id=cert wc -c < /run/secrets/token > /token-bytes && wc -c < /run/secrets/cert > /cert-bytes && cat /run/secrets/token && echo ${name}\nUSER 10001`));
  // A cache mount: each build lists what earlier builds left in it.
  mkdirSync(path.join(dir, 'layers/app/cachey'));
  writeFileSync(path.join(dir, 'layers/app/cachey/Dockerfile'), `FROM runtime\nUSER root\nARG BUST\nRUN --mount=type=cache,id=${name},target=/cache ls /cache > /seen && touch /cache/marker-$BUST\nUSER 10001\n`);
  writeFileSync(path.join(dir, 'layers/app/cachey/layer.yaml'), 'description: cache mount probe\nversion: 0.1.0\nargs: { BUST: "1" }\ntest: ["test -f /seen"]\n');
  commit('buildkit');
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir, secretDir);
});

it('the example chain builds, tests and signs under BuildKit, and every image verifies', async () => {
  const { code, summary, err } = await build('--sign-key', 'keys/ops-release.key');
  assert.is(code, 0, err);
  assert.is(summary.counts.built, 7);
  for (const node of ['site', 'docs', 'report', 'cachey']) {
    const r = await cli(['verify', node]);
    assert.is(r.code, 0, `${node}: ${r.out} ${r.err}`);
  }
  const site = await engine.inspect(`${name}/site:1.0.0`);
  const httpd = await engine.inspect(`${name}/httpd:2.4.0`);
  assert.is(site?.labels['org.opencontainers.image.base.digest'], httpd?.id);
  assert.is(site?.labels['dev.chain.owner'], 'web');
  // Steps are told as BuildKit names them, in the node's log.
  const log = readFileSync(path.join(dir, '.chain/logs/site.log'), 'utf8');
  assert.match(log, /^\[2\/2\] COPY --chown=10001:10001 public\/ \/var\/www\/$/m);
  // No run-unique parent tag is left behind.
  assert.is(docker('images', '--format', '{{.Repository}}', `chain-parent-${name}/*`).trim(), '');
  // A second build builds nothing.
  assert.is((await cli(['build'])).out, 'Nothing to build: 7 up to date.');
});

it('a secret reaches its RUN --mount and nothing else: not history, config, layers, logs, records nor provenance', async () => {
  const image = `${name}/report:0.3.0`;
  assert.is(runIn(image, 'cat', '/token-bytes').trim(), String(TOKEN.length), 'the build read the env secret');
  assert.is(runIn(image, 'cat', '/cert-bytes').trim(), String(CERT.length), 'the build read the file secret');
  const places: [string, string][] = [
    ['docker history --no-trunc', docker('history', '--no-trunc', image)],
    ['docker image inspect', docker('image', 'inspect', image)],
    ['docker save (every layer)', spawnSync('docker', ['save', image], { maxBuffer: 512 * 1024 * 1024 }).stdout.toString('latin1')],
    ...files(path.join(dir, '.chain')).map(([file, bytes]): [string, string] => [file, withPayloads(bytes)]),
  ];
  assert.ok(places.some(([where]) => where.endsWith('report.log')), 'the node log is scanned');
  assert.ok(places.some(([where]) => where.includes(`${path.sep}provenance${path.sep}`)), 'the provenance is scanned');
  for (const [where, text] of places) {
    for (const secret of [TOKEN, CERT]) assert.not.ok(text.includes(secret), `${secret} found in ${where}`);
  }
  const reportLog = readFileSync(path.join(dir, '.chain/logs/report.log'), 'utf8');
  assert.match(reportLog, new RegExp(`^\\[secret\\]${name}$`, 'm'), `the printed value is redacted:\n${reportLog}`);
  const provenance = await cli(['provenance', 'report', '--json']);
  assert.match(provenance.out, /"secrets": \[\s*"cert",\s*"token"\s*\]/, 'provenance names the secret ids');
});

it('a secret that cannot be read stops the build before it starts; secrets need BuildKit', async () => {
  edit('layers/app/report/layer.yaml', (y) => y.replace('version: 0.3.0', 'version: 0.3.1'));
  commit('report 0.3.1');
  const r = await cli(['build'], {});
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /error\[E_SECRET_SOURCE\]: node report: secret 'token' cannot be read from the environment variable CHAIN_TEST_TOKEN: it is not set/);
  assert.not.match(r.err, /at .*\.js:\d+/);
  const classic = await cli(['plan', '--builder', 'classic']);
  assert.is(classic.code, 2);
  assert.match(classic.err, /error\[E_SECRETS_BUILDER\]: node report: secrets reach a build only through RUN --mount=type=secret/);
});

it('a cache mount is reused by the next build', async () => {
  assert.is(runIn(`${name}/cachey:0.1.0`, 'cat', '/seen').trim(), '');
  edit('layers/app/cachey/layer.yaml', (y) => y.replace('BUST: "1"', 'BUST: "2"').replace('0.1.0', '0.1.1'));
  commit('cachey 2');
  const { code, err } = await build('cachey');
  assert.is(code, 0, err);
  assert.is(runIn(`${name}/cachey:0.1.1`, 'cat', '/seen').trim(), 'marker-1');
});

it('the installed bin (the bundle, its BuildKit client in a chunk of its own) builds under BuildKit too', async () => {
  edit('layers/app/cachey/layer.yaml', (y) => y.replace('BUST: "2"', 'BUST: "3"').replace('0.1.1', '0.1.2'));
  commit('cachey 3');
  const run = await spawnChain(['build', 'cachey', '--json'], dir, env).done;
  assert.is(run.code, 0, run.err);
  assert.is(jsonOf<BuildSummary>(run).nodes.find((n) => n.name === 'cachey')?.status, 'built');
  assert.is(runIn(`${name}/cachey:0.1.2`, 'cat', '/seen').trim().split('\n').join(' '), 'marker-1 marker-2');
});

it('a failed RUN is told at its Dockerfile line with its last lines, as under the classic builder', async () => {
  edit('layers/app/cachey/Dockerfile', (d) => d.replace('USER 10001', `RUN echo first-line ${name} && echo last-line && exit 3\nUSER 10001`));
  commit('cachey fails');
  const { code, summary } = await build('cachey');
  assert.is(code, 1);
  const cachey = summary.nodes.find((n) => n.name === 'cachey');
  assert.is(cachey?.status, 'failed');
  assert.is(cachey?.error, 'layers/app/cachey/Dockerfile:5: RUN exited with code 3');
  assert.is(cachey?.failedStep?.line, 5);
  assert.equal(cachey?.failedStep?.output.slice(-2), [`first-line ${name}`, 'last-line']);
});

it.run();
