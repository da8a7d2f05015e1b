/** What `provenance`, `verify` and `why` share: the opened chain, the engine, and the records. */
import { fail } from '../../core/errors.js';
import { imageRepository } from '../../core/model.js';
import type { LoadedChain } from '../../config/load.js';
import { openChain } from '../../app/open.js';
import type { DockerEngine } from '../../adapters/docker.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { chainFile, type CommandContext } from '../command.js';

export interface Custody {
  loaded: LoadedChain;
  engine: DockerEngine;
  store: ProvenanceStore;
}

export async function openCustody(ctx: CommandContext): Promise<Custody> {
  const loaded = await openChain(chainFile(ctx));
  return { loaded, engine: await ctx.deps.engine(), store: new ProvenanceStore(loaded.config.root) };
}

/**
 * The image a `<node | image reference>` argument names: a node's released image (its version
 * tag), else the image of its latest record; anything else is taken as an image reference.
 */
export async function imageOf(c: Custody, target: string | undefined): Promise<{ ref: string; node?: string }> {
  const { nodes } = c.loaded.config;
  if (!target) return fail('E_USAGE', 'name a node or an image reference', { hint: `nodes: ${Object.keys(nodes).sort().join(', ')}` });
  const node = Object.hasOwn(nodes, target) ? nodes[target] : undefined;
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
