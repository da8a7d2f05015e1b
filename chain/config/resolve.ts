/**
 * Phase 2 of loading: from chain.yaml as read (phase 1) and the team repositories' checkouts, the
 * checked ChainConfig with every node's Dockerfile. Every problem is collected and reported
 * together, each with its location.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { DEFAULT_TIERS, type ChainConfig, type ChainNode, type Team } from '../core/model.js';
import type { Checkout } from '../core/model.js';
import { resolveNode, type NodeDockerfile } from './node.js';
import type { ChainSpec } from './read.js';
import { checkGraph } from './rules.js';
import type { YamlSource } from './yaml-source.js';

export interface LoadedChain {
  config: ChainConfig;
  dockerfiles: Record<string, NodeDockerfile>;
  /** chain.yaml, for commands that report positions in it */
  source: YamlSource;
  /** chain.yaml's data as read, for comparing it with other versions of the file */
  raw: unknown;
}

export function resolveChain(spec: ChainSpec, checkouts: Readonly<Record<string, Checkout>> = {}): LoadedChain {
  const { raw, root, source } = spec;
  const problems: Problem[] = [];
  const teams: Record<string, Team> = {};
  for (const [name, t] of Object.entries(raw.teams)) teams[name] = { name, members: t.members, ...(t.contact ? { contact: t.contact } : {}), ...(t.handle ? { handle: t.handle } : {}) };
  const tiers = raw.tiers ?? [...DEFAULT_TIERS];
  const nodes: Record<string, ChainNode> = {};
  const dockerfiles: Record<string, NodeDockerfile> = {};
  const context = { spec, realRoot: realpathSync.native(root), checkouts, problems };
  for (const [name, rawNode] of Object.entries(raw.nodes)) {
    const resolved = resolveNode(name, rawNode, context);
    if (!resolved) continue;
    nodes[name] = resolved.node;
    if (resolved.dockerfile) dockerfiles[name] = resolved.dockerfile;
  }

  const concurrency = raw.concurrency ?? {};
  for (const tier of Object.keys(concurrency)) {
    if (!tiers.includes(tier)) problems.push(problem('E_UNKNOWN_TIER', `concurrency names '${tier}', which is not one of the chain's tiers`, { hint: `tiers: ${tiers.join(', ')}`, location: source.locate(['concurrency', tier], 'key') }));
  }
  const admins = raw.admins ?? [];
  admins.forEach((team, i) => {
    if (!teams[team]) problems.push(problem('E_UNKNOWN_TEAM', `admins names '${team}', which is not a team`, { hint: `teams: ${Object.keys(teams).join(', ')}`, location: source.locate(['admins', i]) }));
  });
  const trustedKeys = (raw.trustedKeys ?? []).map((k) => path.resolve(root, k));
  const config: ChainConfig = { root, file: spec.file, name: raw.name, teams, tiers, concurrency, admins, trustedKeys, ...(raw.registry ? { registry: raw.registry } : {}), ...(raw.immutableVersions ? { immutableVersions: true } : {}), nodes };
  problems.push(...checkGraph(config, dockerfiles, source));
  if (problems.length > 0) throw new ChainError(problems);
  return { config, dockerfiles, source, raw };
}
