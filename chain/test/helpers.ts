/** Shared by the tests: run the CLI in-process, make temporary git repositories, reach the engine. */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../cli/main.js';
import type { DockerEngine } from '../adapters/docker.js';

/** The repository root (tests run from dist/chain/test). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixturesDir = path.join(repoRoot, 'chain/test/fixtures');

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in this process with its own environment: `env` is all chain sees (none of the
 * test process's own), so a test sets credentials or a webhook without touching process.env.
 */
export async function runCli(argv: string[], opts: { cwd: string; engine?: DockerEngine; env?: Record<string, string> }): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { cwd: opts.cwd, env: opts.env ?? {}, out: (t) => out.push(t), err: (t) => err.push(t), ...(opts.engine ? { engine: opts.engine } : {}) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix = 'chain-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A copy of `source` (or an empty folder) committed to a new git repository. */
export function tempRepo(source?: string, filter?: (src: string) => boolean): string {
  const dir = tempDir();
  if (source) cpSync(source, dir, { recursive: true, ...(filter ? { filter } : {}) });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@chain.example');
  git(dir, 'config', 'user.name', 'chain test');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
  return dir;
}

/** The example chain (chain.yaml, layers/, policies/) in a fresh git repository. */
export function exampleRepo(): string {
  const keep = new Set(['', 'chain.yaml', 'chain.lock', 'layers', 'policies']);
  return tempRepo(repoRoot, (src) => {
    const rel = path.relative(repoRoot, src);
    return keep.has(rel.split(path.sep)[0] ?? '');
  });
}

export function removeDirs(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** The example chain in a fresh repository under a unique chain name, so runs never share images. */
export function exampleChain(): { dir: string; name: string } {
  const dir = exampleRepo();
  const name = `t${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: acme$/m, `name: ${name}`));
  git(dir, 'commit', '-qam', 'unique chain name');
  return { dir, name };
}

/** Removes every image of a chain from the engine. */
export async function removeChainImages(engine: DockerEngine, chain: string): Promise<void> {
  const images = await engine.docker.listImages({ filters: JSON.stringify({ label: [`dev.chain.chain=${chain}`] }) });
  for (const image of images) await engine.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
}

/** IDs of all containers, running or not. */
export async function containerIds(engine: DockerEngine): Promise<string[]> {
  return (await engine.docker.listContainers({ all: true })).map((c) => c.Id).sort();
}

export interface Child {
  /** resolves when a line of stderr matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** The real CLI in its own process (for kills, signals and concurrent runs). */
export function spawnChain(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/chain/main.js'), ...args], { cwd, env: { ...process.env, CI: 'true', ...env } });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      const line = err.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return {
    done,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const line = err.split('\n').find((l) => pattern.test(l));
        if (line !== undefined) return resolve(line);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void done.then(() => reject(new Error(`the process ended before ${pattern}:\n${err}`)));
      }),
  };
}

/** Where each of a chain's version tags points: tag -> image ID. */
export async function versionTags(engine: DockerEngine, chain: string): Promise<Record<string, string>> {
  const images = await engine.docker.listImages({ filters: JSON.stringify({ label: [`dev.chain.chain=${chain}`] }) });
  const out: Record<string, string> = {};
  for (const image of images) for (const tag of image.RepoTags ?? []) if (/:\d+\.\d+\.\d+$/.test(tag)) out[tag] = image.Id;
  return out;
}

/** A loopback port nothing listens on. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  /** host:port on loopback */
  host: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry on a free loopback port, with its storage in a temp folder; optionally behind htpasswd. */
export async function startRegistry(auth?: { user: string; password: string }): Promise<TestRegistry> {
  const dir = tempDir('chain-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let authBlock = '';
  if (auth) {
    // bcrypt cost 4: cost 12 makes every request take about 250 ms.
    writeFileSync(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-nbB', '-C', '4', auth.user, auth.password], { encoding: 'utf8' }));
    authBlock = `auth:\n  htpasswd:\n    realm: chain-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${authBlock}`,
  );
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://${host}/v2/`).then(() => true, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      removeDirs(dir);
    },
  };
}

/** A Docker configuration folder whose auths hold these credentials for host. */
export function dockerConfig(host: string, user: string, password: string): string {
  const dir = tempDir('chain-docker-config-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }));
  return dir;
}

/** The vendor ships a fixed base under the same tag: the given base plus a patched file. Returns its ID. */
export async function shipFixedBase(engine: DockerEngine, from: string, note = 'patched'): Promise<string> {
  const context = tempDir();
  writeFileSync(path.join(context, 'Dockerfile'), `FROM ${from}\nRUN echo ${note} > /etc/vendor-fix\n`);
  const id = await engine.build(tar.pack(context) as unknown as Readable, { dockerfile: 'Dockerfile', buildargs: {} });
  await engine.tag(id, 'vendor/busybox', '1.35');
  removeDirs(context);
  return id;
}
