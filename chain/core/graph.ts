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
  const names = Object.keys(edges).sort();
  // Adjacency as plain sorted arrays, built once: every walk of a plan reads them many times.
  const parentsOf = new Map<string, string[]>();
  const childrenOf = new Map<string, string[]>();
  for (const name of names) {
    parentsOf.set(name, []);
    childrenOf.set(name, []);
  }
  const link = (map: Map<string, string[]>, from: string, to: string) => {
    const list = map.get(from) ?? map.set(from, []).get(from) as string[];
    if (!list.includes(to)) list.push(to);
  };
  for (const child of names) {
    for (const parent of edges[child] ?? []) {
      link(parentsOf, child, parent);
      link(childrenOf, parent, child);
    }
  }
  for (const list of [...parentsOf.values(), ...childrenOf.values()]) list.sort();
  const parents = (n: string) => [...(parentsOf.get(n) ?? [])];
  const children = (n: string) => [...(childrenOf.get(n) ?? [])];

  const reach = (start: Iterable<string>, next: Map<string, string[]>): Set<string> => {
    const seen = new Set<string>();
    const stack = [...start].flatMap((n) => next.get(n) ?? []);
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of next.get(n) ?? []) stack.push(m);
    }
    return seen;
  };

  const graph: ChainGraph = {
    nodes: names,
    parents,
    children,
    ancestors: (start) => reach(start, parentsOf),
    descendants: (start) => reach(start, childrenOf),
    // Kahn's waves place every node of a graph without cycles; only when some are left over are
    // graphlib's strongly connected components computed, on a graph made for that alone.
    cycles: () => (graph.waves().reduce((placed, wave) => placed + wave.length, 0) === names.length ? [] : findCycles(graphOf(names, childrenOf), children)),
    waves(subset) {
      // Kahn's algorithm inside the subset: a node's wave is one past its deepest member parent.
      const members = new Set(subset ?? names);
      const depth = new Map<string, number>();
      const waiting = new Map<string, number>();
      const ready: string[] = [];
      for (const n of members) {
        const count = (parentsOf.get(n) ?? []).filter((p) => members.has(p)).length;
        waiting.set(n, count);
        if (count === 0) ready.push(n);
      }
      while (ready.length > 0) {
        const n = ready.pop() as string;
        const d = (parentsOf.get(n) ?? []).reduce((max, p) => (members.has(p) ? Math.max(max, (depth.get(p) ?? 0) + 1) : max), 0);
        depth.set(n, d);
        for (const c of childrenOf.get(n) ?? []) {
          if (!members.has(c)) continue;
          const left = (waiting.get(c) ?? 0) - 1;
          waiting.set(c, left);
          if (left === 0) ready.push(c);
        }
      }
      const waves: string[][] = [];
      for (const [n, d] of depth) (waves[d] ??= []).push(n);
      return waves.map((w) => w.sort());
    },
  };
  return graph;
}

function graphOf(names: string[], childrenOf: Map<string, string[]>): Graph {
  const g = new Graph({ directed: true });
  for (const name of names) g.setNode(name);
  for (const [parent, children] of childrenOf) for (const child of children) g.setEdge(parent, child);
  return g;
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
