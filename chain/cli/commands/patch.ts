/**
 * `chain patch <node> [--level patch|minor|major] [--reason "..."] [--dry-run] [--json]`: bumps the
 * node's version where it is declared, and a patch version on every descendant that accepts the
 * new versions; a child whose range refuses one is reported as needing its team's consent.
 */
import { ExitCode, fail } from '../../core/errors.js';
import { chainGraph } from '../../core/graph.js';
import type { ChainNode } from '../../core/model.js';
import { cascade, LEVELS, type Cascade, type Level } from '../../core/versions.js';
import { writeVersions } from '../../config/edit.js';
import { StateStore } from '../../adapters/state.js';
import { openChain, type Run } from '../command.js';
import { renderPlan } from '../render/plan.js';
import { table } from '../render/table.js';
import { planLoaded } from './plan-chain.js';

function render(c: Cascade, level: Level): string {
  const lines = [table([['NODE', 'OWNER', 'VERSION'], ...c.changes.map((v) => [v.node, v.owner, `${v.from} -> ${v.to}`])])];
  if (c.stops.length > 0) {
    lines.push('', `The ${level} cascade stops at (their team must accept the new version first):`);
    lines.push(table(c.stops.map((s) => [s.node, s.owner, `accepts ${s.parent}@${s.range}, not ${s.version}`]), '  '));
  }
  return lines.join('\n');
}

export const run: Run = async (args, opts, io) => {
  const { file, loaded } = await openChain(opts, io);
  const target = args[0];
  const node = target ? loaded.config.nodes[target] : undefined;
  if (!target || !node) return fail('E_UNKNOWN_NODE', `no node named '${target ?? ''}'`, { hint: 'chain patch <node> [--level patch|minor|major]' });
  if (node.kind !== 'built' || !node.version) return fail('E_NO_VERSION', `node ${target} has no version to bump`, { hint: `give it a version in its layer.yaml`, location: loaded.source.locate(['nodes', target], 'key') });
  const level = (opts.level ?? 'patch') as Level;
  if (!LEVELS.includes(level)) fail('E_USAGE', `unknown level '${level}'`, { hint: `levels: ${LEVELS.join(', ')}` });
  const result = cascade(loaded.config, chainGraph(loaded.config), target, level);
  const versions = Object.fromEntries(result.changes.map((c) => [c.node, c.to]));
  const reason = opts.reason ?? `${level} bump of ${target} to ${versions[target]}`;

  if (opts['dry-run']) {
    // The plan of the chain as it would be: new versions in memory, nothing written.
    const nodes: Record<string, ChainNode> = Object.fromEntries(
      Object.entries(loaded.config.nodes).map(([name, n]) => [name, n.kind === 'built' && versions[name] ? { ...n, version: versions[name] } : n]),
    );
    const { plan } = await planLoaded({ ...loaded, config: { ...loaded.config, nodes } }, file, [], opts, io);
    io.out(opts.json ? JSON.stringify({ level, reason, ...result, plan }, null, 2) : `${render(result, level)}\n\nThe plan after it (dry run: nothing written):\n\n${renderPlan(plan)}`);
    return ExitCode.ok;
  }

  const written = writeVersions(loaded.config, versions);
  new StateStore(loaded.config.root).writeCascade({ reason, versions, at: new Date().toISOString() });
  io.out(opts.json ? JSON.stringify({ level, reason, ...result, written }, null, 2) : `${render(result, level)}\n\nWrote ${written.length} file${written.length === 1 ? '' : 's'}; chain build builds the cascade and records "${reason}" in its provenance.`);
  return ExitCode.ok;
};
