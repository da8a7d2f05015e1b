/** Plans made in memory for tests of what consumes a plan (chain ci). */
import { buildGraph } from '../core/graph.js';
import type { Action, Plan, PlanNode } from '../core/plan.js';

/** A plan over `edges` (node -> parents): every node built unless `actions` says otherwise; `base` is external. */
export function planOf(edges: Record<string, string[]>, actions: Record<string, Action> = {}): Plan {
  const graph = buildGraph(edges);
  const waves = graph.waves();
  const nodes: PlanNode[] = waves.flatMap((wave, i) =>
    wave.map((name) => ({
      name,
      tier: 't',
      owner: 'o',
      kind: name === 'base' ? ('external' as const) : ('built' as const),
      action: name === 'base' ? ('skip' as const) : (actions[name] ?? 'build'),
      wave: i,
      parents: graph.parents(name),
      fingerprint: 'f',
      reasons: [],
    })),
  );
  const built = nodes.filter((n) => n.kind === 'built');
  const count = (a: Action) => built.filter((n) => n.action === a).length;
  return { chain: 'acme', storeReachable: true, nodes, waves, summary: { build: count('build'), rebase: count('rebase'), skip: count('skip'), hold: count('hold'), external: 1, owners: [], byOwner: {} } };
}
