/**
 * Who may change what, decided per commit (pure): chain.yaml's top-level keys, node definitions,
 * chain.lock's pins, policies/ and the trusted keys belong to the admins; a node's folder and the
 * keys its team owns (version, args, test, ...) to the node's team, as teams stood before the
 * commit. A cascade's version bumps are allowed on descendants of a node the author's team owns.
 * Both sides of a rename and a merge's own changes arrive here as files like any other.
 */
import type { ChainGraph } from './graph.js';
import type { ChainConfig } from './model.js';
import { nodeOfPath } from './ownership.js';

export type OwnershipRule = 'node-folder' | 'node-keys' | 'chain-governance' | 'pins' | 'policies' | 'trusted-keys' | 'signature';

export interface OwnershipViolation {
  commit: string;
  author: string;
  file: string;
  node: string;
  /** who may make the change */
  owner: string;
  rule: OwnershipRule;
  /** what changed, in words */
  detail: string;
}

/** One commit as read from git, with the files it changed and what they held before and after. */
export interface CommitChange {
  sha: string;
  email: string;
  /** under requireSignedCommits: the signer git verified against the team members' keys (undefined: unsigned or unknown key) */
  signer?: string;
  files: string[];
  chainBefore: unknown;
  chainAfter: unknown;
  lockBefore: unknown;
  lockAfter: unknown;
  /** node folders' files whose only change is the node's version (layer.yaml) */
  versionOnly: ReadonlySet<string>;
  /** nodes whose version the commit changed in their layer.yaml */
  bumped: ReadonlySet<string>;
}

export interface OwnershipContext {
  config: ChainConfig;
  graph: ChainGraph;
  /** chain.yaml and chain.lock, relative to the chain root */
  chainYaml: string;
  lockFile: string;
  /** signatures were checked (chain.yaml sets requireSignedCommits); each commit needs one where the chain.yaml before it asked */
  requireSigned: boolean;
}

/** Node keys a team owns (they may also live in its layer.yaml); the other node keys are the admins'. */
export const TEAM_KEYS: ReadonlySet<string> = new Set(['version', 'args', 'test', 'secretArgs', 'testLimits', 'description', 'rebase', 'rebaseFallback']);

interface RawChain {
  admins?: string[];
  requireSignedCommits?: boolean;
  trustedKeys?: string[];
  teams?: Record<string, { members?: string[] }>;
  nodes?: Record<string, Record<string, unknown>>;
}

const own = <T>(o: Record<string, T> | undefined, key: string): T | undefined => (o && Object.hasOwn(o, key) ? o[key] : undefined);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function commitViolations(c: CommitChange, ctx: OwnershipContext): OwnershipViolation[] {
  const before = (c.chainBefore ?? {}) as RawChain;
  const after = (c.chainAfter ?? {}) as RawChain;
  const out: OwnershipViolation[] = [];
  const flag = (file: string, node: string, owner: string, rule: OwnershipRule, detail: string) => out.push({ commit: c.sha, author: c.email, file, node, owner, rule, detail });
  // Signatures are required from the commit after the one that asked for them (rules as they stood before each commit).
  if (ctx.requireSigned && before.requireSignedCommits === true && c.signer === undefined) {
    flag('-', '-', 'a signing key of a team member', 'signature', 'the commit is unsigned, or signed by a key no team member holds');
    return out;
  }
  const who = (c.signer ?? c.email).toLowerCase();
  const members = (team: string) => new Set((own(before.teams, team)?.members ?? []).map((m) => m.toLowerCase()));
  const admins = new Set((before.admins ?? []).flatMap((t) => [...members(t)]));
  const isAdmin = admins.has(who);
  const adminsName = `admins (${(before.admins ?? []).join(', ') || 'none named'})`;
  const ownerOf = (node: string) => String(own(before.nodes, node)?.owner ?? own(after.nodes, node)?.owner ?? ctx.config.nodes[node]?.owner ?? '');
  const inTeam = (node: string) => members(ownerOf(node)).has(who);

  // A cascade: the version bumps of this commit that start at nodes the author's team owns.
  const chainNodes = nodeChanges(before, after);
  const bumped = new Set([...c.bumped, ...chainNodes.filter((n) => n.keys.includes('version')).map((n) => n.node)]);
  const origins = [...bumped].filter(inTeam);
  const cascade = (node: string) => origins.some((o) => ctx.graph.descendants([o]).has(node));
  const trusted = new Set((before.trustedKeys ?? []).map((k) => k.replace(/^\.\//, '')));

  for (const file of c.files) {
    if (file === ctx.chainYaml) {
      for (const key of topLevelChanges(before, after)) if (!isAdmin) flag(file, '-', adminsName, 'chain-governance', `changed ${key}`);
      for (const change of chainNodes) {
        if (isAdmin) continue;
        const teamKeysOnly = change.kind === 'changed' && change.keys.every((k) => TEAM_KEYS.has(k));
        if (!teamKeysOnly) flag(file, change.node, adminsName, 'chain-governance', `${change.kind} node ${change.node}${change.kind === 'changed' ? ` (${change.keys.join(', ')})` : ''}`);
        else if (!inTeam(change.node) && !(change.keys.length === 1 && change.keys[0] === 'version' && cascade(change.node))) {
          flag(file, change.node, ownerOf(change.node), 'node-keys', `changed ${change.keys.join(', ')} of ${change.node}`);
        }
      }
    } else if (file === ctx.lockFile) {
      for (const pin of lockChanges(c.lockBefore, c.lockAfter)) {
        if (isAdmin || (pin.node !== undefined && inTeam(pin.node))) continue;
        flag(file, pin.node ?? '-', pin.node ? `${ownerOf(pin.node)} or ${adminsName}` : adminsName, 'pins', pin.detail);
      }
    } else if (file.startsWith('policies/')) {
      if (!isAdmin) flag(file, '-', adminsName, 'policies', 'changed a policy');
    } else if (trusted.has(file)) {
      if (!isAdmin) flag(file, '-', adminsName, 'trusted-keys', 'changed a trusted signing key');
    } else {
      const node = nodeOfPath(ctx.config, file);
      if (node && !inTeam(node) && !(c.versionOnly.has(file) && cascade(node))) flag(file, node, ownerOf(node), 'node-folder', `changed a file of ${node}`);
    }
  }
  return out;
}

/** chain.yaml's top-level keys (all but nodes) that differ. */
function topLevelChanges(before: RawChain, after: RawChain): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => k !== 'nodes'));
  return [...keys].filter((k) => !same((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k])).sort();
}

/** Nodes added, removed, or changed (with the keys that differ) between two chain.yaml versions. */
export function nodeChanges(before: RawChain, after: RawChain): { node: string; kind: 'added' | 'removed' | 'changed'; keys: string[] }[] {
  const out: { node: string; kind: 'added' | 'removed' | 'changed'; keys: string[] }[] = [];
  const names = new Set([...Object.keys(before.nodes ?? {}), ...Object.keys(after.nodes ?? {})]);
  for (const node of [...names].sort()) {
    const [was, now] = [own(before.nodes, node), own(after.nodes, node)];
    if (!was || !now) {
      out.push({ node, kind: was ? 'removed' : 'added', keys: [] });
      continue;
    }
    const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((k) => !same(was[k], now[k])).sort();
    if (keys.length > 0) out.push({ node, kind: 'changed', keys });
  }
  return out;
}

/** The pins (externals, sources) that differ between two chain.lock versions; anything else names no node. */
export function lockChanges(before: unknown, after: unknown): { node?: string; detail: string }[] {
  const [was, now] = [(before ?? {}) as Record<string, unknown>, (after ?? {}) as Record<string, unknown>];
  const out: { node?: string; detail: string }[] = [];
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (same(was[key], now[key])) continue;
    const [a, b] = [was[key], now[key]];
    if ((key === 'externals' || key === 'sources') && isRecord(a ?? {}) && isRecord(b ?? {})) {
      const entries = [(a ?? {}) as Record<string, unknown>, (b ?? {}) as Record<string, unknown>] as const;
      for (const node of new Set([...Object.keys(entries[0]), ...Object.keys(entries[1])])) {
        if (!same(own(entries[0], node), own(entries[1], node))) out.push({ node, detail: `moved the ${key === 'externals' ? 'image' : 'source'} pin of ${node}` });
      }
    } else {
      out.push({ detail: `changed ${key} in chain.lock` });
    }
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
