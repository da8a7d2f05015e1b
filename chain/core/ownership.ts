/** Ownership rules, pure: who may change what. */
import { canonicalJson } from './fingerprint.js';
import type { ChainConfig } from './model.js';

/** The node whose folder holds a path (relative to the chain root), the deepest one. */
export function nodeOfPath(config: ChainConfig, file: string): string | undefined {
  let best: { name: string; length: number } | undefined;
  for (const n of Object.values(config.nodes)) {
    if (n.kind !== 'built') continue;
    if ((file === n.path || file.startsWith(`${n.path}/`)) && n.path.length > (best?.length ?? -1)) best = { name: n.name, length: n.path.length };
  }
  return best?.name;
}

/**
 * The nodes a set of changed files touches (pure): nodes whose folder holds a changed file, and,
 * when chain.yaml changed, nodes whose definition differs between its two versions.
 */
export function nodesTouched(config: ChainConfig, files: string[], chainYaml: string, before: unknown, after: unknown): Map<string, string[]> {
  const touched = new Map<string, string[]>();
  const add = (node: string, file: string) => touched.set(node, [...(touched.get(node) ?? []), file]);
  for (const file of files) {
    const node = nodeOfPath(config, file);
    if (node) add(node, file);
  }
  if (files.includes(chainYaml)) {
    const nodesOf = (raw: unknown) => ((raw ?? {}) as { nodes?: Record<string, unknown> }).nodes ?? {};
    const [was, now] = [nodesOf(before), nodesOf(after)];
    for (const name of Object.keys(now)) if (canonicalJson(was[name] ?? null) !== canonicalJson(now[name])) add(name, chainYaml);
  }
  return touched;
}
