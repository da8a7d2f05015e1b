/** Shared by the tests: run the CLI in-process, make temporary git repositories, reach the engine. */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../cli/main.js';
import { DockerEngine } from '../adapters/docker.js';

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

/**
 * Every temporary folder a test made (a repository, a Docker configuration, a registry's storage)
 * is removed when the test process exits, whether or not the test got to remove it: a failed
 * assertion used to leave chain-docker-config-* and chain-test-* folders behind in /tmp.
 */
const made = new Set<string>();
let sweeping = false;

export function tempDir(prefix = 'chain-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.add(dir);
  if (!sweeping) {
    sweeping = true;
    process.once('exit', () => {
      for (const d of made) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          // a folder a test made unreadable (chmod 000) and left so: nothing more to do at exit
        }
      }
    });
  }
  return dir;
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

/** Every path under dir (but .git) with what it is: a file's mode and hash, a link's target, a folder: to show nothing changed. */
export function treeState(dir: string): Record<string, string> {
  const state: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      if (name === '.git' && rel === '') continue; // git's own cache (its index) changes when chain reads git status
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, r);
      const stat = lstatSync(abs);
      if (stat.isSymbolicLink()) state[r] = `link ${readlinkSync(abs)}`;
      else if (stat.isDirectory()) {
        state[r] = 'folder';
        walk(r);
      } else if (stat.isFile()) state[r] = `file ${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
      else state[r] = 'special';
    }
  };
  walk('');
  return state;
}

export function removeDirs(...dirs: string[]): void {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
    made.delete(dir);
  }
}

/** The example chain in a fresh repository under a unique chain name, so runs never share images. */
export function exampleChain(prefix = 't'): { dir: string; name: string } {
  const dir = exampleRepo();
  const name = `${prefix}${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: acme$/m, `name: ${name}`));
  git(dir, 'commit', '-qam', 'unique chain name');
  return { dir, name };
}

/** The example chain publishing to a registry (`registry: <host>/<chain name>`), committed. */
export function exampleChainOn(host: string, prefix = 't', edit: (yaml: string) => string = (yaml) => yaml): { dir: string; name: string } {
  const chain = exampleChain(prefix);
  const file = path.join(chain.dir, 'chain.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8').replace(/^name: (.*)$/m, `name: $1\nregistry: ${host}/$1`)));
  git(chain.dir, 'commit', '-qam', `registry ${host}`);
  return chain;
}

/** An engine at a socket that does not exist: for tests that must not touch the real one. */
export function absentEngine(): DockerEngine {
  return new DockerEngine(new Docker({ socketPath: '/nonexistent/docker.sock' }));
}

/** Every image of a chain in the engine (label dev.chain.chain), tagged or only pulled by digest. */
export function chainImages(engine: DockerEngine, chain: string): Promise<Docker.ImageInfo[]> {
  return engine.docker.listImages({ filters: JSON.stringify({ label: [`dev.chain.chain=${chain}`] }) });
}

/**
 * Removes every image of a chain from the engine, and the untagged images they were made from (a
 * classic build's image before its labels, which a root node's does not carry the chain label on).
 */
export async function removeChainImages(engine: DockerEngine, chain: string): Promise<void> {
  // A parent goes only once the images made from it are gone, so a few passes.
  for (let pass = 0; pass < 4; pass++) {
    const images = await chainImages(engine, chain);
    if (images.length === 0) return;
    const madeFrom = new Set<string>();
    for (const image of images) {
      const from = (await engine.docker.getImage(image.Id).inspect().catch(() => undefined))?.Config?.Image;
      if (from?.startsWith('sha256:')) madeFrom.add(from);
      await engine.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const id of madeFrom) {
      const tags = (await engine.docker.getImage(id).inspect().catch(() => undefined))?.RepoTags;
      if (tags && tags.length === 0) await engine.docker.getImage(id).remove().catch(() => undefined); // never a tagged image (a parent)
    }
  }
}

/** IDs (as printed, 12 hex digits or more) of the step containers the classic builder names in a chain's build logs. */
export function loggedStepContainers(dir: string): string[] {
  const logs = path.join(dir, '.chain/logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => [...readFileSync(path.join(logs, f), 'utf8').matchAll(/ ---> Running in ([0-9a-f]{12,64})/g)].map((m) => m[1] as string));
}

export interface ChainContainers {
  /** remembers the step containers the build logs name now (a later run of a node rewrites its log) */
  note(): void;
  /** the chain's containers still on the engine, as `id image state` */
  left(): Promise<string[]>;
  /** waits up to `ms` for none to be left (the engine removes a hung-up build's container on its own), then says what is */
  settle(ms?: number): Promise<string[]>;
}

/**
 * The containers one chain created, and only those: its test containers (label
 * dev.chain.chain=<name>) and the build-step containers its logs name. Containers of anything
 * else on the shared engine are never compared, so their coming and going cannot fail a test.
 */
export function chainContainers(engine: DockerEngine, chain: { dir: string; name: string }): ChainContainers {
  const named = new Set<string>();
  const note = () => {
    for (const id of loggedStepContainers(chain.dir)) named.add(id);
  };
  const left = async () => {
    note();
    const all = await engine.docker.listContainers({ all: true });
    return all
      .filter((c) => c.Labels?.['dev.chain.chain'] === chain.name || [...named].some((id) => c.Id.startsWith(id)))
      .map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`);
  };
  return {
    note,
    left,
    settle: async (ms = 10_000) => {
      const end = Date.now() + ms;
      while ((await left()).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      return left();
    },
  };
}

export interface Child {
  /** resolves when a line of stderr matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** A run's --json output, parsed; when it is not JSON, an error that shows how the run ended and what it wrote to stderr. */
export function jsonOf<T>(run: { code: number | null; signal?: NodeJS.Signals | null; out: string; err: string }): T {
  try {
    return JSON.parse(run.out) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}${run.signal ? `, signal ${run.signal}` : ''}):\nstdout: ${run.out.slice(0, 2000)}\nstderr: ${run.err.slice(-4000)}`);
  }
}

/** The real CLI in its own process (for kills, signals and concurrent runs). */
export function spawnChain(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/chain.mjs'), ...args], { cwd, env: { ...process.env, CI: 'true', ...env } });
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
  const out: Record<string, string> = {};
  for (const image of await chainImages(engine, chain)) for (const tag of image.RepoTags ?? []) if (/:\d+\.\d+\.\d+$/.test(tag)) out[tag] = image.Id;
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

/** The shared vendor base every example chain starts from (scripts/lib.sh makes it). */
export const VENDOR_BASE = 'vendor/busybox:1.35';

/**
 * Gives a test chain a vendor base name of its own (`vendor/busybox-<chain>:1.35`, still under
 * the `vendor/` prefix its policies trust) on the shared base's image, and points chain.yaml and
 * the chain.lock pin at it, so a test that ships a new base moves no tag another chain builds on.
 * The pin keeps its digest: for a local-only image that is the image ID. Returns the reference.
 */
export async function ownVendorBase(engine: DockerEngine, dir: string, name: string): Promise<string> {
  const id = (await engine.inspect(VENDOR_BASE))?.id;
  if (!id) throw new Error(`${VENDOR_BASE} is not on the engine: scripts/test makes it`);
  const ref = `vendor/busybox-${name}:1.35`;
  await engine.tag(id, ...splitRef(ref));
  const chainYaml = path.join(dir, 'chain.yaml');
  writeFileSync(chainYaml, readFileSync(chainYaml, 'utf8').replace(`image: ${VENDOR_BASE}`, `image: ${ref}`));
  const lockFile = path.join(dir, 'chain.lock');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { externals: Record<string, { image: string }> };
  if (lock.externals.busybox?.image !== VENDOR_BASE) throw new Error(`chain.lock does not pin ${VENDOR_BASE}`);
  lock.externals.busybox.image = ref;
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  git(dir, 'commit', '-qam', 'a vendor base name of its own');
  return ref;
}

/** Removes a test's own vendor base tag and the bases it shipped (after the chain's images, which sit on them). */
export async function removeOwnVendorBase(engine: DockerEngine, ref: string, shipped: string[]): Promise<void> {
  // Untags ref; the image goes too only when that was its last tag (a shipped base's).
  await engine.docker.getImage(ref).remove().catch(() => undefined);
  for (const id of shipped) await engine.docker.getImage(id).remove({ force: true }).catch(() => undefined);
}

const splitRef = (ref: string): [string, string] => [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];

/** The vendor ships a fixed base under the same tag `ref` (a test's own): the given base plus a patched file. Returns its ID. */
export async function shipFixedBase(engine: DockerEngine, from: string, ref: string, note = 'patched'): Promise<string> {
  const context = tempDir();
  writeFileSync(path.join(context, 'Dockerfile'), `FROM ${from}\nRUN echo ${note} > /etc/vendor-fix\n`);
  const id = await engine.build(tar.pack(context) as unknown as Readable, { dockerfile: 'Dockerfile', buildargs: {} });
  await engine.tag(id, ...splitRef(ref));
  removeDirs(context);
  return id;
}
