/**
 * The bundled CLI (dist/chain.mjs) as users run it: help and version, and which packages a
 * command loads. A resolve hook records every module the process asks for; against a fake engine
 * on a unix socket, `plan` and `lint` read the engine without loading dockerode, and a build,
 * which writes, does load it (so the hook is seen to work).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exampleRepo, removeDirs, repoRoot, tempDir } from '../helpers.js';
import { runBundle } from '../module-hook.js';

const scratch = tempDir('chain-startup-');

/** A fake engine: has every image asked for (of no chain: none is current), lists none, refuses every write. */
async function fakeEngine(): Promise<{ socket: string; close(): Promise<void> }> {
  const socket = path.join(scratch, 'docker.sock');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    if (req.method !== 'GET') return send(500, { message: 'this fake engine only reads' });
    if (url.pathname.endsWith('/_ping')) return res.writeHead(200).end('OK');
    if (url.pathname.endsWith('/info')) return send(200, { Images: 0 });
    if (url.pathname.endsWith('/version')) return send(200, { Version: '20.10.24', ApiVersion: '1.41' });
    if (url.pathname.endsWith('/images/json') || url.pathname.endsWith('/containers/json')) return send(200, []);
    if (/\/images\/.+\/json$/.test(url.pathname)) return send(200, { Id: `sha256:${'0'.repeat(64)}`, Created: '2024-01-01T00:00:00Z', RepoDigests: [], Config: { Labels: {} }, RootFS: { Layers: [] } });
    return send(404, { message: 'page not found' });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const bundle = runBundle;

/** The bundle's chunks that hold dockerode (bundled: scripts/bundle.mjs). */
const CHUNKS = path.join(repoRoot, 'dist/chunks');
const dockerodeChunks = readdirSync(CHUNKS).filter((f) => f.endsWith('.mjs') && readFileSync(path.join(CHUNKS, f), 'utf8').includes('// node_modules/dockerode/lib/docker.js'));
const isDockerodeChunk = (specifier: string) => dockerodeChunks.some((chunk) => specifier.endsWith(`/${chunk}`));

test('dockerode is bundled, its BuildKit session (gRPC) and SSH transport (ssh2) left for when they are used', () => {
  assert.is(dockerodeChunks.length, 1, dockerodeChunks.join(' '));
  const text = readFileSync(path.join(CHUNKS, dockerodeChunks[0] as string), 'utf8');
  for (const left of ['node_modules/dockerode/lib/session.js', 'node_modules/@grpc/', 'node_modules/docker-modem/lib/ssh.js', 'node_modules/ssh2/']) assert.not.ok(text.includes(`// ${left}`), `${left} is not in the chunk`);
  // The CommonJS modules required once the chunk is loaded (it loads dockerode as it starts).
  const script = `const { createRequire } = await import('node:module'); await import(${JSON.stringify(path.join(CHUNKS, dockerodeChunks[0] as string))});
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const required = JSON.parse(out) as string[];
  assert.not.ok(required.some((f) => /node_modules\/(@grpc|ssh2|protobufjs)\//.test(f)), required.join('\n'));
  assert.not.ok(required.some((f) => /node_modules\/dockerode\//.test(f)), 'dockerode itself is in the chunk');
});

test('the bundle prints help and its version', async () => {
  const help = await bundle(['--help'], scratch);
  assert.is(help.code, 0, help.err);
  assert.match(help.out, /^Usage: chain <command>/m);
  const version = await bundle(['--version'], scratch);
  assert.is(version.out.trim(), (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
  assert.not.ok(help.loaded.some((s) => s === 'dockerode' || s === 'simple-git'), help.loaded.join(' '));
});

test('plan and lint read the engine without dockerode; a build loads it to write', async () => {
  const engine = await fakeEngine();
  const dir = exampleRepo();
  const env = { DOCKER_HOST: `unix://${engine.socket}` };
  try {
    const plan = await bundle(['plan', '--json'], dir, env);
    assert.is(plan.code, 0, plan.err);
    const parsed = JSON.parse(plan.out) as { storeReachable: boolean; summary: { build: number } };
    assert.is(parsed.storeReachable, true, 'the fake engine was read');
    assert.is(parsed.summary.build, 6);
    assert.ok(plan.loaded.length > 0, 'the hook records');
    assert.not.ok(plan.loaded.includes('dockerode'), plan.loaded.join(' '));
    const lint = await bundle(['lint', '--json'], dir, env);
    assert.ok(lint.code === 0 || lint.code === 1, lint.err);
    assert.not.ok(lint.loaded.includes('dockerode'), lint.loaded.join(' '));
    const build = await bundle(['build', 'corebuild', '--json'], dir, env);
    assert.ok(build.loaded.some(isDockerodeChunk), `a build writes through dockerode: ${build.loaded.join(' ')}`);
  } finally {
    await engine.close();
    removeDirs(dir);
  }
});

test.after(() => removeDirs(scratch));

test.run();
