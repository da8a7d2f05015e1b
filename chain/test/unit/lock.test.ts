/** The build lock on the state folder, with no engine: a dead holder's lock is taken over, a live one's is not. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireBuildLock } from '../../adapters/lock.js';
import type { ChainError } from '../../core/errors.js';
import { removeDirs, repoRoot, tempDir } from '../helpers.js';

test('a lock whose holder died is taken over, not waited on forever', async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, '.chain');
  // What a SIGKILLed holder leaves: the lock, no longer refreshed.
  mkdirSync(path.join(stateDir, 'build.lock'), { recursive: true });
  writeFileSync(path.join(stateDir, 'build'), '');
  const longAgo = new Date(Date.now() - 60_000);
  utimesSync(path.join(stateDir, 'build.lock'), longAgo, longAgo);
  let waited = false;
  // --no-wait refuses a lock that is held; succeeding under it proves the stale lock was taken over, not waited on.
  const release = await acquireBuildLock(stateDir, { noWait: true, onWait: () => (waited = true) });
  assert.is(waited, false);
  // A live holder (this one) is refused under --no-wait.
  const second = await acquireBuildLock(stateDir, { noWait: true, onWait: () => undefined }).then(
    () => 'acquired',
    (err: ChainError) => err.code,
  );
  assert.is(second, 'E_LOCKED', 'a held lock refuses --no-wait');
  await release();
  removeDirs(dir);
});

/** A lock as a holder process left it: the lock folder with an mtime that many ms ago, and its holder file. */
function heldBy(stateDir: string, holder: object | undefined, ageMs: number): void {
  mkdirSync(path.join(stateDir, 'build.lock'), { recursive: true });
  writeFileSync(path.join(stateDir, 'build'), '');
  if (holder) writeFileSync(path.join(stateDir, 'build.holder.json'), JSON.stringify(holder));
  const when = new Date(Date.now() - ageMs);
  utimesSync(path.join(stateDir, 'build.lock'), when, when);
}

const tryLock = (stateDir: string) =>
  acquireBuildLock(stateDir, { noWait: true, onWait: () => undefined }).then(
    async (release) => (await release(), 'acquired'),
    (err: ChainError) => err.code,
  );

test('a stopped holder on this host keeps its lock however old its refresh; a dead one loses it at once', async () => {
  const dir = tempDir();
  const stopped = spawn('sleep', ['60']);
  try {
    stopped.kill('SIGSTOP');
    heldBy(path.join(dir, 'a'), { pid: stopped.pid, host: hostname(), since: new Date().toISOString() }, 600_000);
    assert.is(await tryLock(path.join(dir, 'a')), 'E_LOCKED', 'alive, though it has not refreshed for ten minutes');

    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    heldBy(path.join(dir, 'b'), { pid: dead.pid, host: hostname(), since: new Date().toISOString() }, 0);
    assert.is(await tryLock(path.join(dir, 'b')), 'acquired', 'its process is gone, though the lock was refreshed just now');

    heldBy(path.join(dir, 'c'), { pid: stopped.pid, host: 'another-host', since: new Date().toISOString() }, 1_000);
    assert.is(await tryLock(path.join(dir, 'c')), 'E_LOCKED', 'another host: fresh enough');
    heldBy(path.join(dir, 'd'), { pid: stopped.pid, host: 'another-host', since: new Date().toISOString() }, 60_000);
    assert.is(await tryLock(path.join(dir, 'd')), 'acquired', 'another host: not refreshed for a minute');
  } finally {
    stopped.kill('SIGKILL');
    removeDirs(dir);
  }
});

test('a holder whose lock is taken from it is told, so it stops', async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, '.chain');
  let lost = '';
  const release = await acquireBuildLock(stateDir, { noWait: true, onWait: () => undefined, onLost: (why) => (lost = why) });
  rmSync(path.join(stateDir, 'build.lock'), { recursive: true });
  for (let i = 0; i < 50 && !lost; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(lost, 'onLost was called');
  await release();
  removeDirs(dir);
});

/** Runs a process to its end, with what it printed; `onErr` sees stderr as it comes. */
function watch(child: ChildProcess, onErr: (text: string) => void = () => undefined): Promise<{ code: number | null; signal: string | null; err: string }> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    onErr(err);
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, err })));
}

for (const argv of [['build'], ['prune', '--apply']]) {
  test(`SIGTERM stops chain ${argv.join(' ')} waiting for the lock at once: exit 130, one line, nothing done`, async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'chain.yaml'), 'version: 1\nname: waiter\nteams: { ops: { members: [ops@x.example] } }\nnodes:\n  base: { tier: base, owner: ops, image: vendor/busybox:1.35 }\n');
    const lockModule = pathToFileURL(path.join(repoRoot, 'dist/chain/adapters/lock.js')).href;
    // The holder: another process holding the chain's build lock until it is killed.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `const { acquireBuildLock } = await import(${JSON.stringify(lockModule)}); await acquireBuildLock(${JSON.stringify(path.join(dir, '.chain'))}, { noWait: true, onWait: () => {} }); console.log('held'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', () => reject(new Error('the holder did not take the lock')));
      });
      const waiter = spawn(process.execPath, [path.join(repoRoot, 'dist/chain.mjs'), ...argv, '--file', path.join(dir, 'chain.yaml')], { cwd: dir, env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let sentAt = 0;
      const result = await watch(waiter, (err) => {
        if (!sentAt && /waiting for (another|the) chain build (on|running on) this chain/.test(err)) {
          sentAt = Date.now();
          waiter.kill('SIGTERM');
        }
      });
      const took = Date.now() - sentAt;
      assert.ok(sentAt > 0, `the waiter said it waits:\n${result.err}`);
      assert.is(result.code, 130, result.err);
      assert.ok(took < 1500, `it stopped waiting at once, not when the holder finished (${took} ms)`);
      assert.match(result.err, new RegExp(`error\\[E_INTERRUPTED\\]: SIGTERM while waiting for another chain build on this chain \\(pid ${holder.pid} on [^)]+\\) to finish: nothing was done`));
      assert.not.match(result.err, /internal error|\n\s+at /);
      assert.is(holder.exitCode, null, 'the holder goes on');
    } finally {
      holder.kill('SIGKILL');
      removeDirs(dir);
    }
  });
}

test.run();
