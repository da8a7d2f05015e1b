/**
 * The bundled CLI (dist/chain.mjs) as users run it: help and version, and which packages a
 * command loads. A resolve hook records every module the process asks for; against a fake engine
 * on a unix socket, `plan` and `lint` read the engine without loading dockerode, and a build,
 * which writes, does load it (so the hook is seen to work).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exampleRepo, removeDirs, repoRoot, tempDir } from '../helpers.js';

const BUNDLE = path.join(repoRoot, 'dist/chain.mjs');
const scratch = tempDir('chain-startup-');
const hook = path.join(scratch, 'hook.mjs');
const resolver = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) { appendFileSync(process.env.CHAIN_LOADED, specifier + '\\n'); return next(specifier, context); }`;
writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolver)}`)});\n`);

/** A fake engine: answers reads (no images), refuses every write. */
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
    return send(404, { message: 'No such image' });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Runs the bundle; returns its exit code, output and every module specifier it resolved. */
function bundle(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string; loaded: string[] }> {
  const loaded = path.join(scratch, `loaded-${Math.random().toString(36).slice(2)}`);
  writeFileSync(loaded, '');
  const child = spawn(process.execPath, ['--import', hook, BUNDLE, ...args], { cwd, env: { ...process.env, ...env, CHAIN_LOADED: loaded, CI: 'true' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err, loaded: readFileSync(loaded, 'utf8').split('\n').filter(Boolean) })));
}

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
    assert.ok(build.loaded.includes('dockerode'), `a build writes through dockerode: ${build.loaded.join(' ')}`);
  } finally {
    await engine.close();
    removeDirs(dir);
  }
});

test.after(() => removeDirs(scratch));

test.run();
