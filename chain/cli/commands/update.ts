/**
 * `chain update [node...] [--check] [--json]`: resolves each external image reference again and
 * rewrites the pins in chain.lock that moved; `chain plan` then shows `base-moved` downstream.
 * `--check` only reports drift, and exits 1 when something moved.
 */
import { ExitCode, fail } from '../../core/errors.js';
import { loadChain } from '../../config/load.js';
import { DockerEngine } from '../../adapters/docker.js';
import { LOCK_FILE, readLock, writeLock, type Lockfile, type Pin } from '../../adapters/pins.js';
import { RegistryClient } from '../../adapters/registry.js';
import { StateStore } from '../../adapters/state.js';
import { resolveExternal } from '../../world/read.js';
import { chainFile, type Run } from '../command.js';
import { table } from '../render/table.js';

export interface Drift {
  node: string;
  image: string;
  from?: string;
  to: string;
  moved: boolean;
}

export const run: Run = async (args, opts, io) => {
  const { config } = loadChain(chainFile(opts, io));
  const externals = Object.values(config.nodes).filter((n) => n.kind === 'external' && (args.length === 0 || args.includes(n.name)));
  for (const t of args) if (config.nodes[t]?.kind !== 'external') fail('E_UNKNOWN_NODE', `'${t}' is not an external node`, { hint: `external nodes: ${externals.map((n) => n.name).join(', ')}` });
  const engine = io.engine ?? new DockerEngine();
  await engine.ping();
  const clients = new Map<string, RegistryClient>();
  const registry = (host: string) => clients.get(host) ?? clients.set(host, new RegistryClient(host)).get(host) as RegistryClient;
  const lock: Lockfile = readLock(config.root) ?? { lockfileVersion: 1, externals: {} };
  const drift: Drift[] = [];
  for (const node of externals) {
    if (node.kind !== 'external') continue;
    const now = await resolveExternal(node.image, { engine, state: new StateStore(config.root), registry });
    if (now.kind === 'unresolved' || !now.stored) fail('E_BASE_MISSING', `${node.image} (node ${node.name}) cannot be resolved: no registry has it and the engine does not`, { hint: 'pull or load the image, or fix image: in chain.yaml' }, ExitCode.environment);
    const pin: Pin = now.kind === 'manifest' ? { image: node.image, digest: now.stored.digest as string, kind: 'manifest' } : { image: node.image, digest: now.stored.id as string, kind: 'image-id' };
    const was = lock.externals[node.name];
    const moved = !was || was.image !== pin.image || was.digest !== pin.digest;
    drift.push({ node: node.name, image: node.image, ...(was ? { from: was.digest } : {}), to: pin.digest, moved });
    if (moved) lock.externals[node.name] = pin;
  }
  for (const name of Object.keys(lock.externals)) if (config.nodes[name]?.kind !== 'external') delete lock.externals[name];
  const moved = drift.filter((d) => d.moved);
  if (!opts.check && (moved.length > 0 || !readLock(config.root))) writeLock(config.root, lock);
  if (opts.json) io.out(JSON.stringify({ check: opts.check ?? false, drift }, null, 2));
  else {
    const short = (d: string | undefined) => (d ? d.replace(/^.*sha256:/, '').slice(0, 12) : 'none');
    io.out(table([['NODE', 'IMAGE', 'PINNED', 'NOW', ''], ...drift.map((d) => [d.node, d.image, short(d.from), short(d.to), d.moved ? 'moved' : ''])]));
    io.out(moved.length === 0 ? '\nEvery pin is current.' : opts.check ? `\n${moved.length} pin${moved.length === 1 ? '' : 's'} moved (not written: --check).` : `\n${moved.length} pin${moved.length === 1 ? '' : 's'} updated in ${LOCK_FILE}; chain plan shows what must rebuild.`);
  }
  return opts.check && moved.length > 0 ? ExitCode.failed : ExitCode.ok;
};
