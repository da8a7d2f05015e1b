/** Ownership rules, pure: who may change what. */
import { canonicalJson } from './fingerprint.js';
import type { ChainConfig } from './model.js';

/**
 * The keys of chain.yaml that govern the chain: teams, admins, tiers, trusted keys and each
 * node's tier, owner, path, image and parents. Only admins may change them.
 */
export function governedKeys(raw: unknown): string {
  const chain = (raw ?? {}) as { teams?: unknown; admins?: unknown; tiers?: unknown; trustedKeys?: unknown; nodes?: Record<string, Record<string, unknown>> };
  const nodes = Object.fromEntries(
    Object.entries(chain.nodes ?? {}).map(([name, n]) => [name, { tier: n.tier, owner: n.owner, path: n.path, image: n.image, from: n.from }]),
  );
  return canonicalJson({ teams: chain.teams ?? null, admins: chain.admins ?? null, tiers: chain.tiers ?? null, trustedKeys: chain.trustedKeys ?? null, nodes });
}

/** Members of the admin teams named in a (raw) chain.yaml. */
export function adminMembers(raw: unknown): Set<string> {
  const chain = (raw ?? {}) as { admins?: string[]; teams?: Record<string, { members?: string[] }> };
  return new Set((chain.admins ?? []).flatMap((t) => chain.teams?.[t]?.members ?? []).map((m) => m.toLowerCase()));
}

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
