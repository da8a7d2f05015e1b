/**
 * `chain patch <node> [--level patch|minor|major] [--reason "..."] [--dry-run]`: bumps the node's
 * version where it is declared, and a patch version on every descendant that accepts the new
 * versions; a child whose range refuses one is reported as needing its team's consent.
 */
import { fail } from '../../core/errors.js';
import { hintWith } from '../../core/suggest.js';
import { chainGraph } from '../../core/graph.js';
import type { ChainNode } from '../../core/model.js';
import type { Plan } from '../../core/plan.js';
import { cascade, LEVELS, type Cascade, type Level } from '../../core/versions.js';
import { openChain } from '../../app/open.js';
import { planLoaded } from '../../app/plan-chain.js';
import { writeVersions } from '../../app/versions.js';
import { StateStore } from '../../adapters/state.js';
import { startGitRead } from '../../world/read.js';
import { chainFile, nodeArg, type Command } from '../command.js';
import { renderPlan } from '../render/plan.js';
import { table } from '../render/table.js';

export type PatchResult = Cascade & { level: Level; reason: string } & ({ plan: Plan } | { written: string[] });

export const command: Command<PatchResult> = {
  async run(ctx) {
    const { opts, deps } = ctx;
    const loaded = await openChain(chainFile(ctx));
    const target = nodeArg(ctx, loaded.config.nodes);
    const node = loaded.config.nodes[target];
    if (node?.kind !== 'built' || !node.version) return fail('E_NO_VERSION', `node ${target} has no version to bump`, { hint: 'give it a version in its layer.yaml', location: loaded.source.locate(['nodes', target], 'key') });
    const level = (opts.level ?? 'patch') as Level;
    if (!LEVELS.includes(level)) fail('E_USAGE', `unknown level '${level}'`, { hint: hintWith(level, LEVELS, `levels: ${LEVELS.join(', ')}`) });
    const result = cascade(loaded.config, chainGraph(loaded.config), target, level);
    const versions = Object.fromEntries(result.changes.map((c) => [c.node, c.to]));
    const reason = opts.reason ?? `${level} bump of ${target} to ${versions[target]}`;
    if (opts['dry-run']) {
      // The plan of the chain as it would be: new versions in memory, nothing written.
      const nodes: Record<string, ChainNode> = Object.fromEntries(
        Object.entries(loaded.config.nodes).map(([name, n]) => [name, n.kind === 'built' && versions[name] ? { ...n, version: versions[name] } : n]),
      );
      const { plan } = await planLoaded(deps, { ...loaded, config: { ...loaded.config, nodes } }, { targets: [] }, { git: startGitRead(deps.git(loaded.config.root)) });
      return { data: { level, reason, ...result, plan } };
    }
    // The cascade's record first: a state folder that cannot be written stops the patch before any layer.yaml changes.
    new StateStore(loaded.config.root).writeCascade({ reason, versions, at: deps.now().toISOString() });
    const written = writeVersions(loaded.config, versions);
    return { data: { level, reason, ...result, written } };
  },
  render(r) {
    const lines = [table([['NODE', 'OWNER', 'VERSION'], ...r.changes.map((v) => [v.node, v.owner, `${v.from} -> ${v.to}`])])];
    if (r.stops.length > 0) {
      lines.push('', `The ${r.level} cascade stops at (their team must accept the new version first):`);
      lines.push(table(r.stops.map((s) => [s.node, s.owner, `accepts ${s.parent}@${s.range}, not ${s.version}`]), '  '));
    }
    if ('plan' in r) lines.push('', 'The plan after it (dry run: nothing written):', '', renderPlan(r.plan));
    else lines.push('', `Wrote ${r.written.length} file${r.written.length === 1 ? '' : 's'}; chain build builds the cascade and records "${r.reason}" in its provenance.`);
    return lines.join('\n');
  },
};
