/**
 * Bad inputs git cannot hold (FIFOs, sockets, devices, unreadable files) made at run time, and
 * the friction of issue 13 that is not one input file: the same assertions as the fixtures (exit
 * code, error code, location, hint, no stack, nothing changed on disk), plus what chain does
 * with what it accepts (said once). Runs that could block run in a child process with a deadline,
 * so a regression fails the test instead of hanging the suite. No engine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { snapshotContext } from '../../adapters/context.js';
import { packContext } from '../../adapters/context-pack.js';
import { absentEngine, exampleRepo, git, removeDirs, repoRoot, runCli, tempDir, treeState } from '../helpers.js';

const MAIN = path.join(repoRoot, 'dist/chain.mjs');
const isRoot = process.getuid?.() === 0;

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** The CLI in its own process, killed after `ms`: a run that blocks fails the test, not the suite. As root, `asNobody` drops to uid 65534 (root reads everything). */
function runBounded(args: string[], cwd: string, opts: { ms?: number; asNobody?: boolean; env?: Record<string, string> } = {}): Promise<Ran> {
  const argv = [MAIN, ...args];
  const child = opts.asNobody && isRoot
    ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: 'true', DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...opts.env } })
    : spawn(process.execPath, argv, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: 'true', DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...opts.env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chain ${args.join(' ')} did not finish within ${opts.ms ?? 10_000} ms (blocked?):\n${err}`));
    }, opts.ms ?? 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The problem block of a failed run: its code, location and hint, and no stack. */
function assertProblem(r: Ran, exit: number, code: string, location?: string): void {
  assert.is(r.code, exit, r.err);
  assert.ok(r.err.includes(`error[${code}]`), `wanted ${code} in:\n${r.err}`);
  if (location) assert.ok(r.err.includes(`--> ${location}\n`), `wanted ${location} in:\n${r.err}`);
  assert.ok(r.err.includes('hint: '), r.err);
  assert.not.match(r.err, /\n\s+at |internal error/, 'no stack');
}

/** The example chain in a fresh git repository, made readable by a dropped-privilege run. */
function example(): string {
  const dir = exampleRepo();
  chmodSync(dir, 0o755);
  return dir;
}

const site = (dir: string, ...rest: string[]) => path.join(dir, 'layers/app/site', ...rest);

test('a FIFO, a socket and a device in a context: nothing is opened, plan finishes, and says which once', async () => {
  const dir = example();
  execFileSync('mkfifo', [site(dir, 'pipe')]);
  const server = net.createServer().listen(site(dir, 'sock'));
  await new Promise((r) => server.once('listening', r));
  if (isRoot) execFileSync('mknod', [site(dir, 'null'), 'c', '1', '3']);
  try {
    const r = await runBounded(['plan', 'site'], dir);
    assert.is(r.code, 0, r.err);
    const notes = r.err.split('\n').filter((l) => l.includes('the build context of site'));
    assert.is(notes.length, 1, r.err);
    assert.match(notes[0] ?? '', /pipe is a FIFO, sent as an empty FIFO/);
    assert.match(notes[0] ?? '', /sock is a socket, not sent/);
    if (isRoot) assert.match(notes[0] ?? '', /null is a device, sent as an empty device entry/);

    // What is hashed is what is sent: the FIFO and the device as entries of their kind, without content; no socket.
    const snapshot = snapshotContext(dir, 'layers/app/site', 'Dockerfile');
    assert.is(snapshot.files.pipe, 'fifo 644');
    assert.not.ok('sock' in snapshot.files);
    const entries = await tarEntries(packContext(site(dir), snapshot, {}));
    assert.equal(entries.pipe, { type: 'fifo', size: 0 });
    assert.not.ok('sock' in entries);
    if (isRoot) assert.equal(entries.null, { type: 'character-device', size: 0 });
    assert.is(entries['public/index.html']?.type, 'file');
  } finally {
    server.close();
    removeDirs(dir);
  }
});

async function tarEntries(stream: Readable): Promise<Record<string, { type: string; size: number }>> {
  const extract = tarStream.extract();
  const found: Record<string, { type: string; size: number }> = {};
  extract.on('entry', (header, body, next) => {
    found[header.name.replace(/\/$/, '')] = { type: header.type ?? 'file', size: header.size ?? 0 };
    body.on('end', next);
    body.resume();
  });
  stream.pipe(extract);
  await new Promise<void>((r) => extract.on('finish', () => r()));
  return found;
}

test('chain.yaml, --file, layer.yaml, .dockerignore, chain.lock, a policy or a signing key that is a FIFO: refused at once (E_NOT_A_FILE)', async () => {
  const dir = example();
  try {
    const fifo = (file: string) => {
      rmSync(file, { recursive: true, force: true });
      execFileSync('mkfifo', [file]);
    };
    const cases: [string, string[], string][] = [
      [site(dir, 'layer.yaml'), ['plan'], 'layers/app/site/layer.yaml'],
      [site(dir, '.dockerignore'), ['plan'], 'layers/app/site/.dockerignore'],
      [path.join(dir, 'chain.lock'), ['plan'], 'chain.lock'],
      [path.join(dir, 'policies/supply-chain.yaml'), ['lint'], 'policies/supply-chain.yaml'],
      [path.join(dir, 'signing.key'), ['build', '--sign-key', 'signing.key', '--no-wait'], 'signing.key'],
      [path.join(dir, 'other.yaml'), ['plan', '--file', 'other.yaml'], 'other.yaml'],
    ];
    for (const [file, args, location] of cases) {
      const original = existsSync(file) ? readFileSync(file) : undefined;
      fifo(file);
      const r = await runBounded(args, dir);
      assertProblem(r, 2, 'E_NOT_A_FILE', location);
      rmSync(file);
      if (original) writeFileSync(file, original);
    }
    fifo(path.join(dir, 'chain.yaml'));
    assertProblem(await runBounded(['plan'], dir), 2, 'E_NOT_A_FILE', 'chain.yaml');
  } finally {
    removeDirs(dir);
  }
});

test('unreadable: a file or folder in a context, a policy, chain.yaml (E_CONTEXT_UNREADABLE, E_POLICY_READ, E_NO_CHAIN)', async () => {
  const dir = example();
  try {
    writeFileSync(site(dir, 'private.txt'), 'x\n');
    chmodSync(site(dir, 'private.txt'), 0o000);
    assertProblem(await runBounded(['plan'], dir, { asNobody: true }), 2, 'E_CONTEXT_UNREADABLE', 'layers/app/site/private.txt');
    // Left out by .dockerignore, it is not read, as the docker CLI does not read it.
    writeFileSync(site(dir, '.dockerignore'), `${readFileSync(site(dir, '.dockerignore'), 'utf8')}private.txt\n`);
    assert.is((await runBounded(['plan'], dir, { asNobody: true })).code, 0);
    mkdirSync(site(dir, 'closed'));
    chmodSync(site(dir, 'closed'), 0o000);
    assertProblem(await runBounded(['plan'], dir, { asNobody: true }), 2, 'E_CONTEXT_UNREADABLE', 'layers/app/site/closed');
    chmodSync(site(dir, 'closed'), 0o755);

    chmodSync(path.join(dir, 'policies/supply-chain.yaml'), 0o000);
    assertProblem(await runBounded(['lint'], dir, { asNobody: true }), 2, 'E_POLICY_READ', 'policies/supply-chain.yaml');
    chmodSync(path.join(dir, 'chain.yaml'), 0o000);
    assertProblem(await runBounded(['plan'], dir, { asNobody: true }), 2, 'E_NO_CHAIN', 'chain.yaml');
  } finally {
    removeDirs(dir);
  }
});

test('path: . never sends .git, the state folder or a private key; its fingerprint ignores what they hold', async () => {
  const dir = example();
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY chain.yaml /etc/chain.yaml\nUSER 10001\n');
    writeFileSync(path.join(dir, 'chain.yaml'), `${readFileSync(path.join(dir, 'chain.yaml'), 'utf8')}  whole:\n    tier: core\n    owner: ops\n    path: .\n    from: busybox\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a node built from the whole repository');
    const fingerprint = async () => {
      const r = await runCli(['plan', 'whole', '--json'], { cwd: dir, engine: absentEngine() });
      assert.is(r.code, 0, r.err);
      const notes = r.err.split('\n').filter((l) => l.includes('the build context of whole'));
      assert.is(notes.length, 1, r.err);
      assert.match(notes[0] ?? '', /\.git never enters a build context|\.chain, \.git never enter a build context/);
      return (JSON.parse(r.out) as { nodes: { name: string; fingerprint: string }[] }).nodes.find((n) => n.name === 'whole')?.fingerprint;
    };
    const before = await fingerprint();
    mkdirSync(path.join(dir, '.chain/records'), { recursive: true });
    writeFileSync(path.join(dir, '.chain/records/whole.json'), '{}');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'history moves on');
    assert.is(await fingerprint(), before, 'the state folder and .git are not inputs');
    const snapshot = snapshotContext(dir, '', 'Dockerfile');
    assert.ok(!Object.keys(snapshot.files).some((f) => f.startsWith('.git/') || f.startsWith('.chain/')), 'never hashed or sent');

    // A signing key in the repository would be sent: refused until .dockerignore keeps it out.
    assert.is((await runCli(['keys', 'generate', '--name', 'release'], { cwd: dir })).code, 0);
    const refused = await runCli(['plan', 'whole'], { cwd: dir, engine: absentEngine() });
    assertProblem({ ...refused, code: refused.code }, 2, 'E_CONTEXT_KEY', 'keys/release.key');
    writeFileSync(path.join(dir, '.dockerignore'), 'keys/\n');
    assert.is((await runCli(['plan', 'whole'], { cwd: dir, engine: absentEngine() })).code, 0);
  } finally {
    removeDirs(dir);
  }
});

test('keys generate: keys/ by default, the private key git-ignored (said), never overwritten; outside git it says so', async () => {
  const dir = example();
  const plain = tempDir();
  try {
    const r = await runCli(['keys', 'generate', '--name', 'ops-release'], { cwd: dir });
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /^private key: keys\/ops-release\.key \(mode 0600; git ignores it: \*\.key is in the new keys\/\.gitignore\)\. It must stay out of git/);
    assert.match(r.out, /public key: {2}keys\/ops-release\.pub \(commit it/);
    assert.is(git(dir, 'check-ignore', 'keys/ops-release.key').trim(), 'keys/ops-release.key');
    assert.is(git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').filter((l) => l.includes('.key')).length, 0, 'git never lists the private key');
    const before = treeState(dir);
    const again = await runCli(['keys', 'generate', '--name', 'ops-release'], { cwd: dir });
    assertProblem({ ...again }, 2, 'E_KEY_EXISTS');
    assert.equal(treeState(dir), before, 'nothing overwritten');

    // A key of that name that git tracks (committed once, deleted since): no .gitignore can help; refused, nothing written.
    mkdirSync(path.join(dir, 'old'));
    writeFileSync(path.join(dir, 'old/x.key'), 'committed by mistake\n');
    git(dir, 'add', 'old/x.key');
    git(dir, 'commit', '-qm', 'a key committed by mistake');
    rmSync(path.join(dir, 'old/x.key'));
    const state = treeState(dir);
    const tracked = await runCli(['keys', 'generate', '--out', 'old', '--name', 'x'], { cwd: dir });
    assertProblem({ ...tracked }, 2, 'E_KEY_NOT_IGNORED');
    assert.equal(treeState(dir), state, 'nothing written');

    const outside = await runCli(['keys', 'generate'], { cwd: plain });
    assert.is(outside.code, 0, outside.err);
    assert.match(outside.out, /not in a git repository/);
  } finally {
    removeDirs(dir, plain);
  }
});

test('trustedKeys naming a private key is refused when the chain loads (E_KEY_PRIVATE)', async () => {
  const dir = example();
  try {
    assert.is((await runCli(['keys', 'generate', '--name', 'ops-release'], { cwd: dir })).code, 0);
    const file = path.join(dir, 'chain.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('trustedKeys: [keys/ops-release.pub]', 'trustedKeys: [keys/ops-release.key]'));
    const before = treeState(dir);
    for (const command of [['plan'], ['verify', 'site']]) {
      const r = await runCli(command, { cwd: dir, engine: absentEngine() });
      assertProblem(r, 2, 'E_KEY_PRIVATE', 'chain.yaml:8:15');
      assert.match(r.err, /list the public key \(keys\/ops-release\.pub\)/);
    }
    assert.equal(treeState(dir), before);
  } finally {
    removeDirs(dir);
  }
});

test('chain patch changes only the version values: long lines, comments and quoting stay as written', async () => {
  const dir = example();
  try {
    const layer = site(dir, 'layer.yaml');
    const long = `  - ${'wget -q -O - http://127.0.0.1:8080/ | grep -q "Welcome to ACME" && '.repeat(3)}true   # a comment that stays`;
    writeFileSync(layer, `# yaml-language-server: $schema=../../../schemas/layer.schema.json\ndescription: 'The ACME public site'   # quoted\nversion: "1.0.0"      # double-quoted\ntest:\n${long}\n  - '! test -e /var/www/README.md'\n`);
    const runtime = path.join(dir, 'layers/middleware/httpd/layer.yaml');
    const before = { site: readFileSync(layer, 'utf8'), httpd: readFileSync(runtime, 'utf8') };
    git(dir, 'commit', '-qam', 'a long test line');
    const r = await runCli(['patch', 'corebuild'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 0, r.err);
    assert.is(readFileSync(layer, 'utf8'), before.site.replace('version: "1.0.0"', 'version: "1.0.1"'));
    assert.is(readFileSync(runtime, 'utf8'), before.httpd.replace(/^version: 2\.4\.0$/m, 'version: 2.4.1'));
    // One changed line per bumped file.
    const diff = git(dir, 'diff', '--numstat').trim().split('\n');
    assert.ok(diff.length >= 4 && diff.every((l) => l.startsWith('1\t1\t')), diff.join('\n'));
  } finally {
    removeDirs(dir);
  }
});

test('no-secrets finds credentials in URLs: ARG and ENV values and RUN lines', async () => {
  const dir = example();
  try {
    writeFileSync(site(dir, 'Dockerfile'), [
      'FROM httpd',
      'ARG MIRROR=https://deploy:hunter2@mirror.acme.example/repo',
      'ENV DATABASE_URL=postgres://app:s3cret@db:5432/site',
      'RUN wget -q https://ci:t0ken@git.acme.example/site.tgz -O /dev/null || true',
      'RUN echo https://$USER:$PASS@example.org http://localhost:8080/',
      'USER 10001',
      '',
    ].join('\n'));
    const r = await runCli(['lint', 'site'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 1, r.err);
    assert.match(r.out, /Dockerfile:2:1 {2}no-secrets {2}site {2}ARG MIRROR holds a URL with a user and password/);
    assert.match(r.out, /Dockerfile:3:1 {2}no-secrets {2}site {2}ENV DATABASE_URL holds a URL with a user and password/);
    assert.match(r.out, /Dockerfile:4:1 {2}no-secrets {2}site {2}RUN holds a URL with a user and password/);
    assert.not.match(r.out, /Dockerfile:5:1 {2}no-secrets/, 'variables are the args\' business, not a literal credential');
    assert.not.ok(r.out.includes('hunter2') || r.out.includes('s3cret') || r.out.includes('t0ken'), 'the credential itself is never printed');
  } finally {
    removeDirs(dir);
  }
});

test('chain.lock: a pin of a node chain.yaml no longer has, or of another image, is said once and not used', async () => {
  const dir = example();
  try {
    const file = path.join(dir, 'chain.lock');
    const lock = JSON.parse(readFileSync(file, 'utf8')) as { externals: Record<string, { image: string }> };
    lock.externals.retired = { ...(lock.externals.busybox as { image: string }), image: 'vendor/old:1' };
    (lock.externals.busybox as { image: string }).image = 'vendor/busybox:1.34';
    writeFileSync(file, JSON.stringify(lock, null, 2));
    const r = await runCli(['plan'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 0, r.err);
    assert.is(r.err.split('\n').filter((l) => l.includes("pins 'retired', which chain.yaml does not declare")).length, 1, r.err);
    assert.is(r.err.split('\n').filter((l) => l.includes('pins busybox as vendor/busybox:1.34, but chain.yaml names vendor/busybox:1.35')).length, 1, r.err);
  } finally {
    removeDirs(dir);
  }
});

test('the chain symlinked in pieces still reads: a layer.yaml symlink to a regular file is followed', async () => {
  const dir = example();
  try {
    const real = path.join(dir, 'site-layer.yaml');
    writeFileSync(real, readFileSync(site(dir, 'layer.yaml')));
    rmSync(site(dir, 'layer.yaml'));
    symlinkSync('../../../site-layer.yaml', site(dir, 'layer.yaml'));
    const r = await runCli(['plan', 'site'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 0, r.err);
  } finally {
    removeDirs(dir);
  }
});

test('the test suite leaves no temporary folder behind: what a test made is removed when its process exits', async () => {
  const parent = tempDir('chain-sweep-');
  const script = path.join(parent, 'leave.mjs');
  writeFileSync(script, `import { dockerConfig, tempDir } from ${JSON.stringify(path.join(repoRoot, 'dist/chain/test/helpers.js'))};\nconsole.log(JSON.stringify([tempDir(), dockerConfig('127.0.0.1:5000', 'u', 'p')]));\nthrow new Error('a test that fails before its cleanup');\n`);
  const child = spawn(process.execPath, [script], { env: { ...process.env, TMPDIR: parent } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('close', r));
  const left = JSON.parse(out) as string[];
  assert.is(left.length, 2);
  for (const dir of left) assert.not.ok(existsSync(dir), `${dir} was left behind`);
  removeDirs(parent);
});

test.run();
