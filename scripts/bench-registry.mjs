// What a plan costs against a registry that holds every image: generates the four-tier chain of N
// nodes (default 1000), committed, with `registry:` a throwaway docker-registry on loopback, and
// fills the registry directly through its HTTP API (no engine builds): for each built node, a
// config whose labels carry the node's whole fingerprint, its manifest under the fingerprint tag
// and the version tag, and an attestation manifest under sha256-<hex>.att. Every node is then up
// to date because of the registry. A counting HTTP proxy stands in front of the registry (the
// chain points at the proxy), and the script prints the requests of one plan (total, per node) and
// the wall time of `chain plan --json` (median of K runs): (a) nothing remembered (no
// .chain/cache/registry.json), (b) what the last plan learned remembered, and (c) the same chain
// without its registry. The state folder exists (as where chain has built), so the Dockerfile
// readings are remembered in all three. The engine is the real one; it holds none of these images.
//
//   scripts/bench-registry [N] [--runs K] [--chain path/to/chain.mjs]
//
// --chain times another build of chain (e.g. an older commit's dist/chain.mjs) on the same
// registry. Removes the registry, the proxy and its folders at the end.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-chain.mjs';
import { commitRepo, startRegistry } from './bench-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const runs = Number(option('--runs', '3'));
const chainBin = path.resolve(option('--chain', path.join(root, 'dist/chain.mjs')));
const n = Number(args[0] ?? 1000);
const name = `benchreg${process.pid}`;

/** A proxy in front of the registry that counts the requests it forwards, by method. */
async function countingProxy(target) {
  const [hostname, port] = target.split(':');
  const counts = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    counts[req.method] = (counts[req.method] ?? 0) + 1;
    const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    take: () => {
      const out = { ...counts };
      for (const k of Object.keys(counts)) delete counts[k];
      return out;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), agent.destroy(), server.close(() => resolve()))),
  };
}

const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function putBlob(host, repo, bytes) {
  const digest = digestOf(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`upload to ${repo}: HTTP ${start.status}`);
  const url = new URL(start.headers.get('location'), `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob ${repo}@${digest}: HTTP ${put.status}`);
  return { digest, size: bytes.length };
}

async function putManifest(host, repo, tag, mediaType, bytes) {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
  await r.body?.cancel();
  if (r.status !== 201) throw new Error(`manifest ${repo}:${tag}: HTTP ${r.status} ${await r.text().catch(() => '')}`);
}

const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/** One node's image, as a push would leave it: config with the chain's labels, manifest under the fingerprint and version tags, attestation beside it. */
async function publish(host, repo, fingerprint, version) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'dev.chain.fingerprint': fingerprint, 'dev.chain.chain': name } }, rootfs: { type: 'layers', diff_ids: [] } }));
  const c = await putBlob(host, repo, config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: SCHEMA2, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: c.size, digest: c.digest }, layers: [] }));
  await putManifest(host, repo, `fp-${fingerprint.slice(0, 12)}`, SCHEMA2, manifest);
  if (version) await putManifest(host, repo, version, SCHEMA2, manifest);
  // An attestation's presence is what a plan reads: a manifest (a real one holds a DSSE envelope layer) under its tag.
  const envelope = Buffer.from(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: '', signatures: [] }));
  const layer = await putBlob(host, repo, envelope);
  const attConfig = await putBlob(host, repo, Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} })));
  const att = { schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...attConfig }, layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', ...layer }] };
  await putManifest(host, repo, `${digestOf(manifest).replace(':', '-')}.att`, OCI, Buffer.from(JSON.stringify(att)));
}

/** `chain plan --json`, spawned without blocking: the counting proxy answers from this process. */
function plan(dir, file) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [chainBin, 'plan', '--json', ...(file ? ['--file', file] : [])], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`chain plan failed (${code}): ${Buffer.concat(err).toString().slice(0, 2000)}`));
      else resolve({ ms, plan: JSON.parse(Buffer.concat(out).toString()) });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(path.join(tmpdir(), `chain-bench-registry-${n}-`));
const registryDir = path.join(work, 'registry');
const repo = path.join(work, 'repo');
mkdirSync(registryDir);
mkdirSync(repo);
const registry = await startRegistry(registryDir);
const proxy = await countingProxy(registry.host);
try {
  generate(n, repo, { files: 0, name, registry: `${registry.host}/${name}` });
  // The same chain without its registry, and with the proxy as its registry (the requests are
  // counted there; the times are taken without it, whose own work would be counted in them).
  const yaml = readFileSync(path.join(repo, 'chain.yaml'), 'utf8');
  writeFileSync(path.join(repo, 'no-registry.yaml'), yaml.replace(/^registry: .*\n/m, ''));
  writeFileSync(path.join(repo, 'counted.yaml'), yaml.replace(/^registry: .*$/m, `registry: ${proxy.host}/${name}`));
  commitRepo(repo);
  mkdirSync(path.join(repo, '.chain')); // as where chain has built: what a plan learns can be kept
  const before = (await plan(repo)).plan;
  const built = before.nodes.filter((node) => node.kind === 'built');
  const t0 = performance.now();
  const queue = [...built];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let node = queue.shift(); node; node = queue.shift()) await publish(registry.host, `${name}/${node.name}`, node.fingerprint, node.release?.tag.split(':').at(-1));
  }));
  const filled = performance.now() - t0;
  const cache = path.join(repo, '.chain', 'cache', 'registry.json');
  const forget = () => rmSync(cache, { force: true });

  // Each scenario: the requests of one plan through the proxy, then the median wall time of K plans without it.
  const scenario = async (label, prepare, file, { learn = false } = {}) => {
    prepare();
    if (learn) await plan(repo, 'counted.yaml'); // what the proxy's host is remembered by (the cache is by host)
    proxy.take();
    const counted = await plan(repo, file === 'no-registry.yaml' ? file : 'counted.yaml');
    const counts = proxy.take();
    const times = [];
    let last = counted;
    for (let i = 0; i < runs; i++) {
      prepare();
      last = await plan(repo, file);
      times.push(last.ms);
    }
    const skipped = last.plan.nodes.filter((node) => node.kind === 'built' && node.action === 'skip').length;
    const inRegistry = last.plan.nodes.filter((node) => node.kind === 'built' && node.image?.digest).length;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const methods = Object.entries(counts).map(([m, c]) => `${m} ${c}`).join(', ') || 'none';
    console.log(`${label.padEnd(34)} ${String(skipped).padStart(5)} ${String(inRegistry).padStart(9)} ${String(total).padStart(9)} ${(total / built.length).toFixed(2).padStart(8)}  ${`${median(times).toFixed(0)} ms`.padStart(8)}  (${methods}; runs ${times.map((t) => t.toFixed(0)).join(', ')})`);
    return [counted, last];
  };
  console.log(`chain plan --json on ${n} nodes (${built.length} built, each up to date in the registry: filled in ${(filled / 1000).toFixed(1)} s), medians of ${runs}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${'scenario'.padEnd(34)} ${'skip'.padStart(5)} ${'from reg.'.padStart(9)} ${'requests'.padStart(9)} ${'per node'.padStart(8)}  ${'wall'.padStart(8)}`);
  await plan(repo); // warm-up: the Dockerfile readings are remembered from here on
  await plan(repo, 'counted.yaml');
  const first = await scenario('(a) first plan, nothing remembered', forget);
  const second = await scenario('(b) second plan, facts remembered', () => undefined, undefined, { learn: true });
  await scenario('(c) no registry', () => undefined, 'no-registry.yaml');
  const wrong = [...first, ...second].flatMap((r) => r.plan.nodes.filter((node) => node.kind === 'built' && (node.action !== 'skip' || !node.image?.digest)).map((node) => `${node.name} ${node.action}`));
  if (wrong.length > 0) throw new Error(`not every node is up to date in the registry: ${wrong.slice(0, 5).join(', ')}`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await proxy.close();
  await registry.stop();
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
}
