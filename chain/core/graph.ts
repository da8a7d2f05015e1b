/**
 * The chain's dependency graph, wrapped behind the project's own types. Edges run parent -> child
 * ("child is built FROM parent"). Waves and cycles come back as data, never as exceptions.
 */
import { Graph, alg } from '@dagrejs/graphlib';

export interface ChainGraph {
  readonly nodes: readonly string[];
  parents(node: string): string[];
  children(node: string): string[];
  /** every node the given ones are built from, transitively (the given ones excluded) */
  ancestors(nodes: Iterable<string>): Set<string>;
  /** every node built from the given ones, transitively (the given ones excluded) */
  descendants(nodes: Iterable<string>): Set<string>;
  /** cycles as full paths, first node repeated at the end: [a, b, c, a] */
  cycles(): string[][];
  /**
   * Topological waves of the given nodes (all by default): wave k holds the nodes whose longest
   * chain of parents inside the set has length k, so every wave can build at the same time.
   * Requires an acyclic graph.
   */
  waves(subset?: Iterable<string>): string[][];
}

export function buildGraph(edges: Record<string, readonly string[]>): ChainGraph {
  const g = new Graph({ directed: true });
  const names = Object.keys(edges).sort();
  for (const name of names) g.setNode(name);
  for (const child of names) {
    for (const parent of edges[child] ?? []) g.setEdge(parent, child);
  }
  const sorted = (xs: string[] | void): string[] => (xs ? [...xs].sort() : []);
  const parents = (n: string) => sorted(g.predecessors(n) as string[] | void);
  const children = (n: string) => sorted(g.successors(n) as string[] | void);

  const reach = (start: Iterable<string>, next: (n: string) => string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...start].flatMap(next);
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...next(n));
    }
    return seen;
  };

  return {
    nodes: names,
    parents,
    children,
    ancestors: (start) => reach(start, parents),
    descendants: (start) => reach(start, children),
    cycles: () => findCycles(g, children),
    waves(subset) {
      const members = new Set(subset ?? names);
      const depth = new Map<string, number>();
      for (const n of alg.topsort(g) as string[]) {
        if (!members.has(n)) continue;
        const d = parents(n).reduce((max, p) => (members.has(p) ? Math.max(max, (depth.get(p) ?? 0) + 1) : max), 0);
        depth.set(n, d);
      }
      const waves: string[][] = [];
      for (const [n, d] of depth) (waves[d] ??= []).push(n);
      return waves.map((w) => w.sort());
    },
  };
}

/** One cycle per strongly connected component, as a path through it back to its start. */
function findCycles(g: Graph, children: (n: string) => string[]): string[][] {
  const cycles: string[][] = [];
  for (const component of alg.tarjan(g) as string[][]) {
    const members = new Set(component);
    const start = [...component].sort()[0] as string;
    if (component.length === 1 && !g.hasEdge(start, start)) continue;
    // Depth-first from the smallest name, inside the component, until we step back onto start.
    const path = [start];
    const visited = new Set([start]);
    const walk = (n: string): boolean => {
      for (const c of children(n)) {
        if (!members.has(c)) continue;
        if (c === start) return path.push(start) > 0;
        if (visited.has(c)) continue;
        visited.add(c);
        path.push(c);
        if (walk(c)) return true;
        path.pop();
      }
      return false;
    };
    walk(start);
    cycles.push(path);
  }
  return cycles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** The graph of a chain's declared `from:` edges. */
export function chainGraph(config: { nodes: Record<string, { from: readonly { node: string }[] }> }): ChainGraph {
  return buildGraph(Object.fromEntries(Object.entries(config.nodes).map(([name, n]) => [name, n.from.map((p) => p.node)])));
}
