/**
 * `chain prune [node...] [--keep N] [--apply]`: the fingerprint images no release needs, beyond
 * the newest N of each node, in the registry and the local engine; a dry run unless --apply.
 */
import { pruneChain, type KeptStoreImage, type PrunedImage, type PruneResult } from '../../app/prune.js';
import { isFingerprintTag, tagOf } from '../../core/prune.js';
import { chainFile, positiveInt, type Command } from '../command.js';
import { DEFAULT_KEEP } from '../defaults.js';
import { table } from '../render/table.js';

export { DEFAULT_KEEP };

export const command: Command<PruneResult> = {
  async run(ctx) {
    const data = await pruneChain(ctx.deps, chainFile(ctx), { targets: ctx.args, keep: positiveInt(ctx.opts.keep, DEFAULT_KEEP, 'keep'), apply: ctx.opts.apply ?? false });
    return { data };
  },
  render(result) {
    const rows = result.nodes.flatMap((n) => [...n.pruned.map((i) => row(n.node, i, action(i))), ...n.kept.map((i) => row(n.node, i, `keep: ${i.why.join(', ')}`))]);
    const lines = rows.length > 0 ? [table([['NODE', 'STORE', 'TAGS', 'ID', 'CREATED', ''], ...rows]), ''] : [];
    return [...lines, lastLine(result)].join('\n');
  },
};

function row(node: string, image: KeptStoreImage | PrunedImage, what: string): string[] {
  // The fingerprint tag first, then the rest as they sort.
  const tags = [...new Set(image.tags.map(tagOf))].sort((a, b) => Number(!isFingerprintTag(a)) - Number(!isFingerprintTag(b)) || a.localeCompare(b)).join(' ');
  return [node, image.store, tags, image.id.replace(/^sha256:/, '').slice(0, 12), image.created.replace(/\.\d+/, '').replace('T', ' '), what];
}

function action(image: PrunedImage): string {
  switch (image.outcome) {
    case 'to-prune':
      return 'prune';
    case 'deleted':
      return 'deleted';
    case 'untagged':
      return 'untagged (the engine keeps it while other images build on it)';
    case 'in-use':
      return `in use, kept: ${image.detail ?? 'a container uses it'}`;
    case 'gone':
      return 'already gone';
  }
}

function lastLine(result: PruneResult): string {
  const pruned = result.nodes.flatMap((n) => n.pruned);
  const count = (n: number) => `${n} image${n === 1 ? '' : 's'}`;
  if (pruned.length === 0) return 'nothing to prune';
  if (!result.applied) return `${count(pruned.length)} to prune (dry run: chain prune --apply deletes them)`;
  const done = pruned.filter((i) => i.outcome === 'deleted' || i.outcome === 'untagged').length;
  const refused = pruned.filter((i) => i.outcome === 'in-use').length;
  return `pruned ${count(done)}${refused > 0 ? `; ${count(refused)} in use, kept (remove the containers, then run chain prune --apply again)` : ''}`;
}
