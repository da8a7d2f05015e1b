/** Resolving external images again against chain.lock: what `chain update` and the nightly job share. */
import { ExitCode, fail } from '../core/errors.js';
import type { LoadedChain } from '../config/resolve.js';
import { lockNodes, readLock } from '../config/lock.js';
import type { Lockfile, Pin } from '../core/lockfile.js';
import { resolveRef } from '../adapters/sources.js';
import { resolveExternal, type ResolveDeps } from './externals.js';

export interface Drift {
  /** an external image, or a node's team repository */
  kind: 'image' | 'source';
  node: string;
  /** the image reference, or <repository>#<ref> */
  image: string;
  from?: string;
  to: string;
  moved: boolean;
}

/** The lock as it would be with every named external (all by default) resolved now. */
export async function resolvePins(loaded: LoadedChain, deps: ResolveDeps, names: string[] = []): Promise<{ lock: Lockfile; previous?: Lockfile; drift: Drift[] }> {
  const { config } = loaded;
  const previous = readLock(config.root, lockNodes(config));
  const lock: Lockfile = { lockfileVersion: 1, externals: { ...previous?.externals } };
  const drift: Drift[] = [];
  for (const node of Object.values(config.nodes)) {
    if (node.kind !== 'external' || (names.length > 0 && !names.includes(node.name))) continue;
    const now = await resolveExternal(node.image, deps);
    if (now.kind === 'unresolved' || !now.stored) {
      fail('E_BASE_MISSING', `${node.image} (node ${node.name}) cannot be resolved: no registry has it and the engine does not`, { hint: 'pull or load the image, or fix image: in chain.yaml' }, ExitCode.environment);
    }
    const pin: Pin = now.kind === 'manifest' ? { image: node.image, digest: now.stored.digest as string, kind: 'manifest' } : { image: node.image, digest: now.stored.id as string, kind: 'image-id' };
    const was = previous?.externals[node.name];
    const moved = !was || was.image !== pin.image || was.digest !== pin.digest;
    drift.push({ kind: 'image', node: node.name, image: node.image, ...(was ? { from: was.digest } : {}), to: pin.digest, moved });
    lock.externals[node.name] = pin;
  }
  // Team repositories: the commit each ref points to now.
  lock.sources = { ...previous?.sources };
  for (const node of Object.values(config.nodes)) {
    if (node.kind !== 'built' || !node.source || (names.length > 0 && !names.includes(node.name))) continue;
    const commit = await resolveRef(node.source);
    const was = previous?.sources?.[node.name];
    const moved = !was || was.git !== node.source.git || was.ref !== node.source.ref || was.commit !== commit;
    drift.push({ kind: 'source', node: node.name, image: `${node.source.git}#${node.source.ref}`, ...(was ? { from: was.commit } : {}), to: commit, moved });
    lock.sources[node.name] = { git: node.source.git, ref: node.source.ref, commit };
  }
  for (const name of Object.keys(lock.sources)) if (!(config.nodes[name]?.kind === 'built' && (config.nodes[name] as { source?: unknown }).source)) delete lock.sources[name];
  if (Object.keys(lock.sources).length === 0) delete lock.sources;
  for (const name of Object.keys(lock.externals)) if (config.nodes[name]?.kind !== 'external') delete lock.externals[name];
  return { lock, ...(previous ? { previous } : {}), drift };
}
