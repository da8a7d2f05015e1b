/** `chain graph`: the graph by tier with owners, as an indented tree, DOT, Mermaid or JSON, from its data. */
import type { ChainGraph } from '../../core/graph.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';

export type GraphFormat = 'text' | 'dot' | 'mermaid' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['text', 'dot', 'mermaid', 'json'];

export interface GraphNode {
  name: string;
  tier: string;
  owner: string;
  kind: ChainNode['kind'];
  /** the node's folder, or the image it is bought as */
  source: string;
  parents: string[];
}

export interface GraphData {
  chain: string;
  tiers: string[];
  nodes: GraphNode[];
  edges: { from: string; to: string }[];
}

export function graphData(config: ChainConfig, graph: ChainGraph): GraphData {
  return {
    chain: config.name,
    tiers: config.tiers,
    nodes: graph.nodes.map((name) => {
      const n = config.nodes[name] as ChainNode;
      return { name, tier: n.tier, owner: n.owner, kind: n.kind, source: n.kind === 'external' ? n.image : n.path, parents: graph.parents(name) };
    }),
    edges: graph.nodes.flatMap((child) => graph.parents(child).map((parent) => ({ from: parent, to: child }))),
  };
}

export function renderGraph(data: GraphData, format: GraphFormat): string {
  switch (format) {
    case 'text':
      return textTree(data);
    case 'dot':
      return dot(data);
    case 'mermaid':
      return mermaid(data);
    case 'json':
      return JSON.stringify(data, null, 2);
  }
}

function textTree(data: GraphData): string {
  const lines = [`${data.chain}  (tiers, lowest first: ${data.tiers.join(' < ')})`];
  const byName = new Map(data.nodes.map((n) => [n.name, n]));
  const children = (name: string) => data.edges.filter((e) => e.from === name).map((e) => e.to);
  const shown = new Set<string>();
  const walk = (name: string, prefix: string, last: boolean, depth: number) => {
    const n = byName.get(name) as GraphNode;
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const kids = children(name);
    const again = shown.has(name) && kids.length > 0;
    lines.push(`${prefix}${branch}${name}  [${n.tier}, ${n.owner}]  ${n.source}${again ? '  (children shown above)' : ''}`);
    if (again) return;
    shown.add(name);
    const childPrefix = depth === 0 ? '' : prefix + (last ? '   ' : '│  ');
    kids.forEach((kid, i) => walk(kid, childPrefix, i === kids.length - 1, depth + 1));
  };
  const tierOf = (n: GraphNode) => data.tiers.indexOf(n.tier);
  const roots = data.nodes.filter((n) => n.parents.length === 0).sort((a, b) => tierOf(a) - tierOf(b) || a.name.localeCompare(b.name));
  for (const root of roots) walk(root.name, '', true, 0);
  return lines.join('\n');
}

const id = (name: string) => `n_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;

function byTier(data: GraphData): [string, GraphNode[]][] {
  return data.tiers.map((tier) => [tier, data.nodes.filter((n) => n.tier === tier)]);
}

function dot(data: GraphData): string {
  const out = [`digraph "${data.chain}" {`, '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  for (const [tier, nodes] of byTier(data)) {
    if (nodes.length === 0) continue;
    out.push(`  subgraph "cluster_${tier}" {`, `    label="${tier}"; rank=same;`);
    for (const n of nodes) out.push(`    ${id(n.name)} [label="${n.name}\\n${n.owner}"${n.kind === 'external' ? ', style=dashed' : ''}];`);
    out.push('  }');
  }
  for (const e of data.edges) out.push(`  ${id(e.from)} -> ${id(e.to)};`);
  out.push('}');
  return out.join('\n');
}

function mermaid(data: GraphData): string {
  const out = ['flowchart BT'];
  for (const [tier, nodes] of byTier(data)) {
    if (nodes.length === 0) continue;
    out.push(`  subgraph ${tier}`);
    for (const n of nodes) out.push(`    ${id(n.name)}["${n.name}<br/><small>${n.owner}</small>"]`);
    out.push('  end');
  }
  for (const e of data.edges) out.push(`  ${id(e.from)} --> ${id(e.to)}`);
  return out.join('\n');
}
