/** Opens a chain: chain.yaml read once (phase 1), its team repositories fetched, then resolved (phase 2). */
import { readChain } from '../config/read.js';
import { resolveChain, type LoadedChain } from '../config/resolve.js';
import { rawLockNodes, readLock } from '../config/lock.js';
import { fetchSources } from '../adapters/sources.js';

export async function openChain(file: string): Promise<LoadedChain> {
  const spec = readChain(file);
  const checkouts = Object.keys(spec.sources).length > 0 ? await fetchSources(spec.root, spec.file, spec.sources, readLock(spec.root, rawLockNodes(spec.raw))) : {};
  return resolveChain(spec, checkouts);
}
