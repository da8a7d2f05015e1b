/** Gathers what the checks read about each node: parsed Dockerfile, context files, base image age. */
import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { LoadedChain } from '../config/resolve.js';
import { snapshotContext, type ContextSnapshot } from '../adapters/context.js';
import type { EngineReader } from '../adapters/engine.js';
import type { GitIndex } from '../adapters/git.js';
import type { NodeFacts } from './checks.js';

/** `snapshots`: contexts already read (by `chain build`'s plan), so they are not walked twice. */
export async function gatherFacts(loaded: LoadedChain, names: string[], index: GitIndex | undefined, engine?: EngineReader, snapshots: Record<string, ContextSnapshot> = {}): Promise<NodeFacts[]> {
  const { config, dockerfiles } = loaded;
  const out: (NodeFacts | Promise<NodeFacts>)[] = [];
  for (const name of names) {
    const node = config.nodes[name];
    if (!node) continue;
    if (node.kind === 'external') {
      // Every external image's age is asked of the engine at once, not one round trip after another.
      out.push(engine ? engine.created(node.image).then((created) => (created ? { node, created } : { node }), () => ({ node })) : { node });
      continue;
    }
    const contextDir = path.join(config.root, node.path);
    const snapshot = snapshots[name] ?? snapshotContext(config.root, node.path, node.dockerfile, index, loaded.listings.known(contextDir));
    const files: NodeFacts['files'] = [];
    const symlinks: NodeFacts['symlinks'] = [];
    for (const [rel, hash] of Object.entries(snapshot.files)) {
      const abs = path.join(contextDir, rel);
      if (hash.startsWith('120000 ')) symlinks.push({ path: rel, target: readlinkSync(abs) });
      files.push({ path: rel, size: lstatSync(abs).size });
    }
    out.push({ node, ...(dockerfiles[name] ? { dockerfile: dockerfiles[name] } : {}), files, symlinks });
  }
  return Promise.all(out);
}
