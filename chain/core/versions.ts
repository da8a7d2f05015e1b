/**
 * Version cascades (pure): patching a node bumps its version, and a patch bump goes to every
 * descendant that accepts its parents' new versions. A child whose declared range refuses a
 * parent's new version stops the cascade there: its team must consent first.
 */
import semver from 'semver';
import type { ChainGraph } from './graph.js';
import type { ChainConfig } from './model.js';

export type Level = 'patch' | 'minor' | 'major';
export const LEVELS: readonly Level[] = ['patch', 'minor', 'major'];

export interface VersionChange {
  node: string;
  owner: string;
  from: string;
  to: string;
}

export interface CascadeStop {
  node: string;
  owner: string;
  parent: string;
  range: string;
  version: string;
}

export interface Cascade {
  changes: VersionChange[];
  stops: CascadeStop[];
  /** every node whose image the cascade changes (versioned or not), the target first */
  rebuilt: string[];
}

export function cascade(config: ChainConfig, graph: ChainGraph, target: string, level: Level): Cascade {
  const node = config.nodes[target];
  if (node?.kind !== 'built' || !node.version) throw new Error(`cascade: ${target} has no version`);
  const next = new Map<string, string>([[target, semver.inc(node.version, level) as string]]);
  const changes: VersionChange[] = [{ node: target, owner: node.owner, from: node.version, to: next.get(target) as string }];
  const stops: CascadeStop[] = [];
  const rebuilt = new Set([target]);
  const descendants = graph.descendants([target]);
  for (const wave of graph.waves(descendants)) {
    for (const name of wave) {
      const child = config.nodes[name];
      if (child?.kind !== 'built') continue;
      const moved = child.from.filter((p) => rebuilt.has(p.node));
      if (moved.length === 0) continue;
      const refused = moved.find((p) => p.range && next.has(p.node) && !semver.satisfies(next.get(p.node) as string, p.range));
      if (refused) {
        stops.push({ node: name, owner: child.owner, parent: refused.node, range: refused.range as string, version: next.get(refused.node) as string });
        continue;
      }
      rebuilt.add(name);
      if (child.version) {
        next.set(name, semver.inc(child.version, 'patch') as string);
        changes.push({ node: name, owner: child.owner, from: child.version, to: next.get(name) as string });
      }
    }
  }
  return { changes, stops, rebuilt: [...rebuilt] };
}
