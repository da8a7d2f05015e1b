/**
 * Phase 2 of loading: from chain.yaml as read (phase 1) and the team repositories' checkouts, the
 * checked ChainConfig with every node's Dockerfile. Every problem is collected and reported
 * together, each with its location.
 */
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { DEFAULT_TIERS, type ChainConfig, type ChainNode, type Team } from '../core/model.js';
import type { Checkout } from '../core/model.js';
import type { DockerfileInfos } from '../core/dockerfile.js';
import { Listings } from './listing.js';
import { resolveNode, type NodeDockerfile } from './node.js';
import type { ChainSpec } from './read.js';
import { checkGraph } from './rules.js';
import { checkRegistry, checkTrustedKeys } from './top-level.js';
import type { YamlSource } from './yaml-source.js';

export interface LoadedChain {
  config: ChainConfig;
  dockerfiles: Record<string, NodeDockerfile>;
  /** chain.yaml, for commands that report positions in it */
  source: YamlSource;
  /** chain.yaml's data as read, for comparing it with other versions of the file */
  raw: unknown;
  /** the folders listed while loading, for the context walks to start from */
  listings: Listings;
}

/**
 * @param select when given, chooses from the chain as chain.yaml alone says it the nodes whose
 *   folders are read and checked (a plan's nodes); every other node stays as chain.yaml says it
 *   (`unread`), so that a plan costs what it covers
 * @param infos where Dockerfiles are read (readings remembered across runs); readDockerfile when not given
 */
export function resolveChain(spec: ChainSpec, checkouts: Readonly<Record<string, Checkout>> = {}, select?: (skeleton: ChainConfig, raw: unknown) => Iterable<string>, infos?: DockerfileInfos): LoadedChain {
  const { raw, root, source } = spec;
  const problems: Problem[] = [];
  // Maps without a prototype: a reference to 'constructor' or 'toString' finds nothing, as it should.
  const teams: Record<string, Team> = Object.create(null);
  for (const [name, t] of Object.entries(raw.teams)) {
    if (reservedName(name, ['teams', name], source, problems)) continue;
    teams[name] = { name, members: t.members, ...(t.contact ? { contact: t.contact } : {}), ...(t.handle ? { handle: t.handle } : {}), ...(t.signingKeys ? { signingKeys: t.signingKeys } : {}) };
    for (const member of Object.keys(t.signingKeys ?? {}).filter((m) => !t.members.includes(m))) {
      problems.push(problem('E_TEAM_MEMBER', `teams.${name}.signingKeys names '${member}', who is not a member of ${name}`, { hint: `add ${member} to members, or remove the key`, location: source.locate(['teams', name, 'signingKeys', member], 'key') }));
    }
  }
  const tiers = raw.tiers ?? [...DEFAULT_TIERS];
  const nodes: Record<string, ChainNode> = Object.create(null);
  const dockerfiles: Record<string, NodeDockerfile> = Object.create(null);
  const listings = new Listings();
  const context = { spec, realRoot: listings.real(root), checkouts, problems, listings, ...(infos ? { infos } : {}) };
  for (const [name, rawNode] of Object.entries(raw.nodes)) {
    if (reservedName(name, ['nodes', name], source, problems)) continue;
    const resolved = resolveNode(name, rawNode, context, select === undefined);
    if (!resolved) continue;
    nodes[name] = resolved.node;
    if (resolved.dockerfile) dockerfiles[name] = resolved.dockerfile;
  }
  if (select && problems.length === 0) {
    for (const name of select(configOf(spec, teams, tiers, nodes), raw)) {
      const rawNode = raw.nodes[name];
      if (nodes[name]?.kind !== 'built' || !rawNode) continue;
      const resolved = resolveNode(name, rawNode, context);
      if (!resolved) continue;
      nodes[name] = resolved.node;
      if (resolved.dockerfile) dockerfiles[name] = resolved.dockerfile;
    }
  }

  const concurrency = raw.concurrency ?? {};
  for (const tier of Object.keys(concurrency)) {
    if (!tiers.includes(tier)) problems.push(problem('E_UNKNOWN_TIER', `concurrency names '${tier}', which is not one of the chain's tiers`, { hint: `tiers: ${tiers.join(', ')}`, location: source.locate(['concurrency', tier], 'key') }));
  }
  const admins = raw.admins ?? [];
  admins.forEach((team, i) => {
    if (!teams[team]) problems.push(problem('E_UNKNOWN_TEAM', `admins names '${team}', which is not a team`, { hint: `teams: ${Object.keys(teams).join(', ')}`, location: source.locate(['admins', i]) }));
  });
  checkRegistry(raw.registry, source, problems);
  checkTrustedKeys(root, raw.trustedKeys, source, problems);
  const config = configOf(spec, teams, tiers, nodes);
  problems.push(...checkGraph(config, dockerfiles, source));
  if (problems.length > 0) throw new ChainError(problems);
  return { config, dockerfiles, source, raw, listings };
}

function configOf({ raw, root, file }: ChainSpec, teams: Record<string, Team>, tiers: string[], nodes: Record<string, ChainNode>): ChainConfig {
  const trustedKeys = (raw.trustedKeys ?? []).map((k) => path.resolve(root, k));
  return { root, file, name: raw.name, teams, tiers, concurrency: raw.concurrency ?? {}, admins: raw.admins ?? [], trustedKeys, ...(raw.registry ? { registry: raw.registry } : {}), ...(raw.immutableVersions ? { immutableVersions: true } : {}), ...(raw.requireSignedCommits ? { requireSignedCommits: true } : {}), ...(raw.builder ? { builder: raw.builder } : {}), nodes };
}

/**
 * Names every JavaScript object has ('constructor', '__proto__'): refused, so that no lookup
 * anywhere can mistake an inherited property for a declared team or node.
 */
function reservedName(name: string, at: string[], source: YamlSource, problems: Problem[]): boolean {
  if (!(name in Object.prototype)) return false;
  const kind = at[0] === 'teams' ? 'team' : 'node';
  problems.push(problem(kind === 'team' ? 'E_TEAM_NAME' : 'E_NODE_NAME', `'${name}' cannot name a ${kind}: it is reserved`, { hint: `choose another name for the ${kind}`, location: source.locate(at, 'key') }));
  return true;
}
