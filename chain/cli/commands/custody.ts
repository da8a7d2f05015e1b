/** What `provenance`, `verify` and `why` share: finding a node's image and its records. */
import { fail } from '../../core/errors.js';
import { imageRepository } from '../../core/model.js';
import type { LoadedChain } from '../../config/load.js';
import { DockerEngine } from '../../adapters/docker.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { openChain, type Io, type Options } from '../command.js';

export interface Custody {
  loaded: LoadedChain;
  engine: DockerEngine;
  store: ProvenanceStore;
}

export async function openCustody(opts: Options, io: Io): Promise<Custody> {
  const { loaded } = await openChain(opts, io);
  return { loaded, engine: io.engine ?? new DockerEngine(), store: new ProvenanceStore(loaded.config.root) };
}

/**
 * The image a `<node | image reference>` argument names: a node's released image (its version
 * tag), else the image of its latest record; anything else is taken as an image reference.
 */
export async function imageOf(c: Custody, target: string | undefined): Promise<{ ref: string; node?: string }> {
  if (!target) return fail('E_USAGE', 'name a node or an image reference', { hint: `nodes: ${Object.keys(c.loaded.config.nodes).sort().join(', ')}` });
  const node = c.loaded.config.nodes[target];
  if (!node) return { ref: target };
  if (node.kind === 'external') return { ref: node.image, node: target };
  if (node.version !== undefined) {
    const tagged = `${imageRepository(c.loaded.config, target)}:${node.version}`;
    if (await c.engine.inspect(tagged)) return { ref: tagged, node: target };
  }
  const latest = c.store.latest(target);
  const digest = latest && !('corrupt' in latest) ? latest.statement.subject[0]?.digest?.sha256 : undefined;
  if (!digest) return fail('E_NOT_BUILT', `node ${target} has no built image with provenance`, { hint: 'run chain build first' });
  return { ref: `sha256:${digest}`, node: target };
}
