/** The engine goes away mid-run: running nodes fail with one clear line, nothing half-done is promoted. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, removeChainImages, removeDirs, runCli, versionTags } from '../helpers.js';

/** The request that creates a container, as it appears in the bytes a client sends to the engine. */
const CREATE_CONTAINER = /POST \S*\/containers\/create[?\s]/;

/**
 * A unix-socket proxy to the real engine that dies like an engine does: the moment a client asks
 * it to create a container (the first image test), it drops that request and every open
 * connection, and takes no new one. Nothing in the client is overridden.
 */
function dyingEngineProxy(): { socketPath: string; cut: Promise<void>; close: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-proxy-'));
  const socketPath = path.join(dir, 'docker.sock');
  const sockets = new Set<net.Socket>();
  let onCut = () => undefined as void;
  const cut = new Promise<void>((resolve) => (onCut = resolve));
  const server = net.createServer((client) => {
    const upstream = net.connect('/var/run/docker.sock');
    sockets.add(client).add(upstream);
    let tail = ''; // the end of the previous chunk, for a request line split across two
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      if (CREATE_CONTAINER.test(text)) {
        server.close();
        for (const s of sockets) s.destroy();
        onCut();
        return;
      }
      tail = text.slice(-200);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  server.listen(socketPath);
  return {
    socketPath,
    cut,
    close: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('an engine that goes away mid-run fails the running nodes in one line, exit 3, nothing promoted', async () => {
  const real = new DockerEngine();
  const { dir, name } = exampleChain();
  const proxy = dyingEngineProxy();
  let cutSeen = false;
  void proxy.cut.then(() => (cutSeen = true));
  try {
    const engine = new DockerEngine(new Docker({ socketPath: proxy.socketPath }));
    const r = await runCli(['build', '--json'], { cwd: dir, engine });
    assert.ok(cutSeen, 'the engine went away when the first test container was to be created');
    assert.is(r.code, 3, r.err);
    const summary = JSON.parse(r.out) as BuildSummary;
    assert.is(summary.engineLost, true);
    const byName = Object.fromEntries(summary.nodes.map((n) => [n.name, n]));
    assert.is(byName.corebuild?.status, 'failed');
    assert.match(byName.corebuild?.error ?? '', /^the Docker Engine went away: cannot reach the Docker Engine/);
    assert.ok(summary.nodes.filter((n) => n.name !== 'corebuild').every((n) => n.status === 'cancelled'));
    assert.equal(await versionTags(real, name), {}, 'nothing promoted');
    assert.is((await real.imagesByTag(name)).size, 0, 'not even a fingerprint tag: the image was never tested');
    const tests = await real.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.chain.chain=${name}`] }) });
    assert.equal(tests, [], 'the engine never got the request: no test container was made');
  } finally {
    proxy.close();
    await removeChainImages(real, name);
    removeDirs(dir);
  }
});

test.run();
