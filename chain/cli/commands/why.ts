/**
 * `chain why <node | image reference> [--json]`: the family tree of an image, from it down to
 * its base, with each layer's owner, version and digest, as its provenance records it (or as the
 * graph declares it, for layers with no record yet).
 */
import type { Command } from '../command.js';
import { targetOf } from '../../app/custody.js';
import { dependencyRef } from '../../provenance/verify.js';
import { openCustody, type Custody } from './custody.js';

export interface Lineage {
  node: string;
  owner: string;
  version?: string;
  digest?: string;
  external: boolean;
  parents: Lineage[];
}

async function lineage(c: Custody, node: string, imageRef: string | undefined): Promise<Lineage> {
  const { config } = c.loaded;
  const declared = Object.hasOwn(config.nodes, node) ? config.nodes[node] : undefined;
  const image = imageRef ? await c.custody.inspect(imageRef) : undefined;
  const record = image ? await c.custody.recordFor(image) : undefined;
  if (declared?.kind === 'external' || !record || 'corrupt' in record) {
    const parents = declared?.kind === 'external' ? [] : await Promise.all((declared?.from ?? []).map((p) => lineage(c, p.node, undefined)));
    return {
      node,
      owner: declared?.owner ?? '?',
      ...(declared?.kind === 'built' && declared.version !== undefined ? { version: declared.version } : {}),
      ...(image ? { digest: image.id } : {}),
      external: declared?.kind === 'external',
      parents,
    };
  }
  const s = record.statement;
  const version = (s.predicate.buildDefinition.externalParameters as { version?: string }).version;
  const parents: Lineage[] = [];
  for (const dep of s.predicate.buildDefinition.resolvedDependencies ?? []) {
    const parent = dep.annotations?.node;
    if (typeof parent === 'string') parents.push(await lineage(c, parent, dependencyRef(dep)));
  }
  return { node, owner: String(s.subject[0]?.annotations?.owner ?? declared?.owner ?? '?'), ...(version ? { version } : {}), ...(image ? { digest: image.id } : {}), external: false, parents };
}

function render(l: Lineage, prefix = '', last = true, root = true): string[] {
  const label = `${l.node}${l.version ? ` ${l.version}` : ''}  owner ${l.owner}  ${l.digest ? l.digest.slice(0, 19) : 'not built'}${l.external ? '  (external)' : ''}`;
  const lines = [`${prefix}${root ? '' : last ? '└─ ' : '├─ '}${label}`];
  const childPrefix = root ? '' : prefix + (last ? '   ' : '│  ');
  l.parents.forEach((p, i) => lines.push(...render(p, childPrefix, i === l.parents.length - 1, false)));
  return lines;
}

export const command: Command<Lineage> = {
  async run(ctx) {
    const c = await openCustody(ctx);
    const target = await targetOf(ctx.deps, c.loaded, c.custody, ctx.args[0]);
    const image = await c.custody.inspect(target.ref);
    const node = target.node ?? image?.labels['dev.chain.node'] ?? target.ref;
    return { data: await lineage(c, node, target.ref) };
  },
  render: (tree) => render(tree).join('\n'),
};
