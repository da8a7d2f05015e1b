/** The engine goes away mid-run: running nodes fail with one clear line, nothing half-done is promoted. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { acquireBuildLock } from '../../adapters/lock.js';
import type { ChainError } from '../../core/errors.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, removeChainImages, removeDirs, runCli, tempDir, versionTags } from '../helpers.js';

/** A unix-socket proxy to the real engine that can be cut, as if the engine died. */
function engineProxy(): { socketPath: string; cut: () => void; close: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-proxy-'));
  const socketPath = path.join(dir, 'docker.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect('/var/run/docker.sock');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  server.listen(socketPath);
  return {
    socketPath,
    cut: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
    close: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('an engine that goes away mid-run fails the running nodes in one line, exit 3, nothing promoted', async () => {
  const real = new DockerEngine();
  const { dir, name } = exampleChain();
  const proxy = engineProxy();
  // The engine dies the moment the first image is being tested: its node is half done.
  class DyingEngine extends DockerEngine {
    override async runTest(...args: Parameters<DockerEngine['runTest']>) {
      proxy.cut();
      return super.runTest(...args);
    }
  }
  try {
    const engine = new DyingEngine(new Docker({ socketPath: proxy.socketPath }));
    const r = await runCli(['build', '--json'], { cwd: dir, engine });
    assert.is(r.code, 3, r.err);
    const summary = JSON.parse(r.out) as BuildSummary;
    assert.is(summary.engineLost, true);
    const byName = Object.fromEntries(summary.nodes.map((n) => [n.name, n]));
    assert.is(byName.corebuild?.status, 'failed');
    assert.match(byName.corebuild?.error ?? '', /^the Docker Engine went away: cannot reach the Docker Engine/);
    assert.ok(summary.nodes.filter((n) => n.name !== 'corebuild').every((n) => n.status === 'cancelled'));
    assert.equal(await versionTags(real, name), {}, 'nothing promoted');
    assert.is((await real.imagesByTag(name)).size, 0, 'not even a fingerprint tag: the image was never tested');
  } finally {
    proxy.close();
    await removeChainImages(real, name);
    removeDirs(dir);
  }
});

test('a lock whose holder died is taken over, not waited on forever', async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, '.chain');
  // What a SIGKILLed holder leaves: the lock, no longer refreshed.
  mkdirSync(path.join(stateDir, 'build.lock'), { recursive: true });
  writeFileSync(path.join(stateDir, 'build'), '');
  const longAgo = new Date(Date.now() - 60_000);
  utimesSync(path.join(stateDir, 'build.lock'), longAgo, longAgo);
  let waited = false;
  const t0 = Date.now();
  const release = await acquireBuildLock(stateDir, { noWait: true, onWait: () => (waited = true) });
  assert.ok(Date.now() - t0 < 2000, 'taken over at once');
  assert.is(waited, false);
  // And a live holder is waited for (or refused under --no-wait).
  try {
    await acquireBuildLock(stateDir, { noWait: true, onWait: () => undefined });
    assert.unreachable('a held lock must refuse --no-wait');
  } catch (err) {
    assert.is((err as ChainError).code, 'E_LOCKED');
  }
  await release();
  removeDirs(dir);
});

test.run();
