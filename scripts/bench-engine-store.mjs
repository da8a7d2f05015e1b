// Image-store check benchmark: `chain plan --json` of a generated 1,000-node chain while the
// engine holds few, then many, images of no chain (made cheaply: one `docker load` of an archive
// with ONE tiny layer and N distinct configs, tagged chainbenchother<pid>/o<i>:v1). The engine is
// shared: afterwards exactly the images made here are removed, by those tags. Prints figures.
//   node scripts/bench-engine-store.mjs [--few 300] [--many 30000] [--nodes 1000] [--runs 3] [--cli other/chain.mjs]...
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate-chain.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { few: { type: 'string', default: '300' }, many: { type: 'string', default: '30000' }, nodes: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' }, cli: { type: 'string', multiple: true, default: [] } } });
const clis = { 'dist/chain.mjs': path.join(root, 'dist/chain.mjs'), ...Object.fromEntries(values.cli.map((c) => [c, path.resolve(c)])) };
const socket = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : process.env.DOCKER_HOST ? undefined : '/var/run/docker.sock';
if (!socket) throw new Error('this benchmark talks to the engine on a unix socket (DOCKER_HOST=unix://...)');
const repo = `chainbenchother${process.pid}`;

/** One ustar entry (a regular file). */
function tarEntry(name, data) {
  const h = Buffer.alloc(512);
  const put = (s, off, len) => h.write(s, off, len, 'utf8');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return [h, data, Buffer.alloc((512 - (data.length % 512)) % 512)];
}

/** A docker-archive with one layer and images [from, to): configs differ by one label. */
function archive(from, to) {
  const layer = Buffer.concat([...tarEntry(`chain-bench-${process.pid}`, Buffer.from(`${process.pid}\n`)), Buffer.alloc(1024)]);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const parts = [...tarEntry('layer.tar', layer)];
  const manifest = [];
  const ids = [];
  for (let i = from; i < to; i++) {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'bench.other': `${process.pid}-${i}` } }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'chain bench-engine-store' }] }));
    const hex = createHash('sha256').update(config).digest('hex');
    ids.push(`sha256:${hex}`);
    parts.push(...tarEntry(`${hex}.json`, config));
    manifest.push({ Config: `${hex}.json`, RepoTags: [`${repo}/o${i}:v1`], Layers: ['layer.tar'] });
  }
  parts.push(...tarEntry('manifest.json', Buffer.from(JSON.stringify(manifest))), Buffer.alloc(1024));
  return Buffer.concat(parts);
}

let loading;
function dockerLoad(data) {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
    loading = child;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker load failed: ${err}`))));
    child.stdin.end(data);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function engine(method, p) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path: p, method, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const imageCount = async () => JSON.parse((await engine('GET', '/info')).body).Images;

let made = 0;
/** Removes exactly the images this run tagged (by tag: each of them has that one tag). */
async function removeMade() {
  let next = 0;
  const worker = async () => {
    while (next < made) await engine('DELETE', `/images/${repo}/o${next++}:v1`);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  made = 0;
  // and whatever else carries this run's repository (an interrupted load may finish late)
  const left = JSON.parse((await engine('GET', `/images/json?filters=${encodeURIComponent(JSON.stringify({ reference: [`${repo}/*`] }))}`)).body);
  for (const image of left) for (const tag of image.RepoTags ?? []) if (tag.startsWith(`${repo}/`)) await engine('DELETE', `/images/${tag}`);
}

async function grow(to) {
  for (let from = made; from < to; from += 5000) {
    const end = Math.min(to, from + 5000);
    made = end; // counted before loading: an interrupted load may have tagged some of them
    await dockerLoad(archive(from, end));
  }
}

function planMs(cli, dir) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'plan', '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`chain plan failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const dir = mkdtempSync(path.join(tmpdir(), 'chain-bench-store-'));
process.once('SIGINT', () => {
  loading?.kill();
  removeMade().finally(() => process.exit(130));
});
try {
  generate(Number(values.nodes), dir, { files: 1 });
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=b@x', '-c', 'user.name=bench', '-c', 'gc.auto=0', 'commit', '-qm', 'bench');
  console.log(`chain plan --json, ${values.nodes}-node chain, median of ${values.runs}; other images made here: ${repo}/o<i>:v1`);
  for (const others of [Number(values.few), Number(values.many)]) {
    const t0 = Date.now();
    await grow(others);
    const loaded = ((Date.now() - t0) / 1000).toFixed(0);
    const count = await imageCount();
    for (const [name, cli] of Object.entries(clis)) {
      planMs(cli, dir); // warm the file cache
      const times = Array.from({ length: Number(values.runs) }, () => planMs(cli, dir)).sort((a, b) => a - b);
      console.log(`${name.padEnd(32)} others made ${String(others).padStart(6)}  engine images ${String(count).padStart(6)}  plan ${(times[times.length >> 1] / 1000).toFixed(2)} s   (loaded in ${loaded} s)`);
    }
  }
} finally {
  const t0 = Date.now();
  await removeMade();
  console.log(`removed the images made here in ${((Date.now() - t0) / 1000).toFixed(0)} s; engine images now ${await imageCount()}`);
  agent.destroy();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
