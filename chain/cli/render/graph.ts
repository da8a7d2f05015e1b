/** `chain graph`: the graph by tier with owners, as an indented tree, DOT, Mermaid or JSON. */
import type { ChainGraph } from '../../core/graph.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';

export type GraphFormat = 'text' | 'dot' | 'mermaid' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['text', 'dot', 'mermaid', 'json'];

const sourceOf = (n: ChainNode) => (n.kind === 'external' ? n.image : n.path);

export function renderGraph(config: ChainConfig, graph: ChainGraph, format: GraphFormat): string {
  switch (format) {
    case 'text':
      return textTree(config, graph);
    case 'dot':
      return dot(config, graph);
    case 'mermaid':
      return mermaid(config, graph);
    case 'json':
      return JSON.stringify(graphData(config, graph), null, 2);
  }
}

export function graphData(config: ChainConfig, graph: ChainGraph) {
  return {
    chain: config.name,
    tiers: config.tiers,
    nodes: graph.nodes.map((name) => {
      const n = config.nodes[name] as ChainNode;
      return { name, tier: n.tier, owner: n.owner, kind: n.kind, source: sourceOf(n), parents: graph.parents(name) };
    }),
    edges: graph.nodes.flatMap((child) => graph.parents(child).map((parent) => ({ from: parent, to: child }))),
  };
}

function textTree(config: ChainConfig, graph: ChainGraph): string {
  const lines = [`${config.name}  (tiers, lowest first: ${config.tiers.join(' < ')})`];
  const shown = new Set<string>();
  const label = (name: string) => {
    const n = config.nodes[name] as ChainNode;
    return `${name}  [${n.tier}, ${n.owner}]  ${sourceOf(n)}`;
  };
  const walk = (name: string, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const again = shown.has(name) && graph.children(name).length > 0;
    lines.push(`${prefix}${branch}${label(name)}${again ? '  (children shown above)' : ''}`);
    if (again) return;
    shown.add(name);
    const kids = graph.children(name);
    const childPrefix = depth === 0 ? '' : prefix + (last ? '   ' : '│  ');
    kids.forEach((kid, i) => walk(kid, childPrefix, i === kids.length - 1, depth + 1));
  };
  const tierOf = (n: string) => config.tiers.indexOf((config.nodes[n] as ChainNode).tier);
  const roots = graph.nodes.filter((n) => graph.parents(n).length === 0).sort((a, b) => tierOf(a) - tierOf(b) || a.localeCompare(b));
  for (const root of roots) walk(root, '', true, 0);
  return lines.join('\n');
}

const id = (name: string) => `n_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;

function byTier(config: ChainConfig, graph: ChainGraph): [string, string[]][] {
  return config.tiers.map((tier) => [tier, graph.nodes.filter((n) => config.nodes[n]?.tier === tier)]);
}

function dot(config: ChainConfig, graph: ChainGraph): string {
  const out = [`digraph "${config.name}" {`, '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  for (const [tier, names] of byTier(config, graph)) {
    if (names.length === 0) continue;
    out.push(`  subgraph "cluster_${tier}" {`, `    label="${tier}"; rank=same;`);
    for (const n of names) {
      const node = config.nodes[n] as ChainNode;
      out.push(`    ${id(n)} [label="${n}\\n${node.owner}"${node.kind === 'external' ? ', style=dashed' : ''}];`);
    }
    out.push('  }');
  }
  for (const child of graph.nodes) for (const parent of graph.parents(child)) out.push(`  ${id(parent)} -> ${id(child)};`);
  out.push('}');
  return out.join('\n');
}

function mermaid(config: ChainConfig, graph: ChainGraph): string {
  const out = ['flowchart BT'];
  for (const [tier, names] of byTier(config, graph)) {
    if (names.length === 0) continue;
    out.push(`  subgraph ${tier}`);
    for (const n of names) out.push(`    ${id(n)}["${n}<br/><small>${(config.nodes[n] as ChainNode).owner}</small>"]`);
    out.push('  end');
  }
  for (const child of graph.nodes) for (const parent of graph.parents(child)) out.push(`  ${id(parent)} --> ${id(child)}`);
  return out.join('\n');
}
