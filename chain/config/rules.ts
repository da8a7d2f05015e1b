/** Checks of the graph as a whole: references, tiers, versions, cycles, Dockerfile agreement. */
import semver from 'semver';
import { problem, type Location, type Problem } from '../core/errors.js';
import { builderHazards } from '../core/dockerfile-classic.js';
import { buildGraph } from '../core/graph.js';
import type { ChainConfig } from '../core/model.js';
import type { NodeDockerfile } from './node.js';
import type { YamlSource } from './yaml-source.js';
import { didYouMean, hintWith } from '../core/suggest.js';
import { repositoryOf } from '../core/image-ref.js';
import { builderOf, imageRepository, publishedRepository } from '../core/model.js';

export function checkGraph(config: ChainConfig, dockerfiles: Record<string, NodeDockerfile>, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  const at = (name: string, key: string): Location => source.locate(['nodes', name, key]);
  const tierIndex = new Map(config.tiers.map((t, i) => [t, i]));

  for (const node of Object.values(config.nodes)) {
    if (!config.teams[node.owner]) {
      const teams = Object.keys(config.teams);
      problems.push(problem('E_UNKNOWN_TEAM', `node ${node.name}: owner '${node.owner}' is not a team`, { hint: hintWith(node.owner, teams, `teams: ${teams.join(', ') || 'none declared'}`), location: at(node.name, 'owner') }));
    }
    if (!tierIndex.has(node.tier)) {
      problems.push(problem('E_UNKNOWN_TIER', `node ${node.name}: tier '${node.tier}' is not one of the chain's tiers`, { hint: hintWith(node.tier, config.tiers, `tiers, lowest first: ${config.tiers.join(', ')}`), location: at(node.name, 'tier') }));
    }
    if (node.kind === 'external' && node.from.length > 0) {
      problems.push(problem('E_EXTERNAL_KEY', `external node ${node.name} cannot have 'from': it is bought, not built`, { hint: 'remove from:, or give the node a path to build it', location: at(node.name, 'from') }));
    }
    for (const parentRef of node.from) {
      const parent = config.nodes[parentRef.node];
      if (!parent) {
        const near = didYouMean(parentRef.node, Object.keys(config.nodes));
        problems.push(problem('E_UNKNOWN_PARENT', `node ${node.name}: parent '${parentRef.node}' is not a node`, { hint: near ? `${near} (or declare ${parentRef.node} under nodes:)` : 'declare the parent under nodes:, or fix the name', location: at(node.name, 'from') }));
        continue;
      }
      const childTier = tierIndex.get(node.tier);
      const parentTier = tierIndex.get(parent.tier);
      if (childTier !== undefined && parentTier !== undefined && parentTier > childTier) {
        problems.push(problem('E_TIER_ORDER', `node ${node.name} (tier ${node.tier}) builds FROM ${parent.name} of the higher tier ${parent.tier}`, {
          hint: `a node may only build FROM its own or a lower tier (${config.tiers.join(' < ')})`,
          location: at(node.name, 'from'),
        }));
      }
      if (parentRef.range === undefined) continue;
      if (!semver.validRange(parentRef.range)) {
        problems.push(problem('E_RANGE_INVALID', `node ${node.name}: '${parentRef.range}' is not a semver range`, { hint: 'e.g. corebuild@^1 or httpd@~2.4', location: at(node.name, 'from') }));
      } else if (parent.kind !== 'built' || (parent.version === undefined && !parent.unread)) {
        problems.push(problem('E_RANGE_UNVERSIONED', `node ${node.name} accepts ${parent.name}@${parentRef.range}, but ${parent.name} has no version`, { hint: `give ${parent.name} a version, or drop the range`, location: at(node.name, 'from') }));
      }
      // A parent version outside the range is not an input error: the plan holds the node until
      // its team consents (chain patch cascades stop there).
    }
  }

  for (const [name, dockerfile] of Object.entries(dockerfiles)) problems.push(...checkDockerfile(config, name, dockerfile));

  const known = Object.fromEntries(Object.values(config.nodes).map((n) => [n.name, n.from.map((p) => p.node).filter((p) => config.nodes[p])]));
  for (const cycle of buildGraph(known).cycles()) {
    const first = cycle[0] as string;
    problems.push(problem('E_CYCLE', `the graph has a cycle: ${cycle.join(' -> ')}`, { hint: 'a node cannot be built from its own descendants; remove one of these from: entries', location: at(first, 'from') }));
  }
  return problems;
}

/** Every image a Dockerfile names must be a declared parent, and every declared parent must be used. */
function checkDockerfile(config: ChainConfig, name: string, dockerfile: NodeDockerfile): Problem[] {
  const node = config.nodes[name];
  if (!node) return [];
  const problems: Problem[] = [];
  const declared = new Set(node.from.map((p) => p.node));
  const used = new Set<string>();
  for (const use of dockerfile.info.images) {
    const location = { file: dockerfile.file, line: use.line, col: use.col };
    const keyword = use.kind === 'from' ? 'FROM' : 'COPY --from';
    if (use.ref.includes('$')) {
      problems.push(problem('E_FROM_VARIABLE', `node ${name}: ${keyword} ${use.ref} uses a variable, so its parent cannot be known`, { hint: 'name the parent node directly: chain pins it to the exact parent image at build time', location }));
    } else if (config.nodes[use.ref]) {
      used.add(use.ref);
      if (!declared.has(use.ref)) {
        problems.push(problem('E_FROM_MISMATCH', `node ${name}: the Dockerfile uses ${use.ref} (${keyword}), which is not in its from: (${[...declared].join(', ') || 'none'})`, { hint: `add ${use.ref} to from: in chain.yaml, or change the Dockerfile`, location }));
      }
    } else {
      const meant = nodeOfImage(config, use.ref);
      // A parent named by its image reference (or with a tag) is used, if wrongly: one problem, not two.
      const tagged = use.ref.split(/[:@]/)[0] as string;
      if (meant) used.add(meant);
      else if (tagged !== use.ref && Object.hasOwn(config.nodes, tagged)) used.add(tagged);
      problems.push(undeclaredImage(config, name, keyword, use.ref, meant, declared, location));
    }
  }
  const builder = node.kind === 'built' ? builderOf(config, node) : 'classic';
  for (const hazard of builderHazards(dockerfile.text, dockerfile.info, builder)) {
    problems.push(problem(hazard.code ?? 'E_DOCKERFILE_CONSTRUCT', `node ${name}: ${hazard.message}`, { hint: hazard.hint, location: { file: dockerfile.file, line: hazard.line, col: hazard.col } }));
  }
  for (const parent of declared) {
    if (!used.has(parent) && config.nodes[parent]) {
      problems.push(problem('E_FROM_MISMATCH', `node ${name}: from: names ${parent}, but the Dockerfile never uses it`, { hint: `FROM ${parent} (or COPY --from=${parent}) in the Dockerfile, or remove it from from:`, location: { file: dockerfile.file, line: 1, col: 1 } }));
    }
  }
  return problems;
}

/**
 * An image a Dockerfile names that is not a node. When it is a node's image after all (the chain's
 * own `acme/httpd:2.4.0`, its published `<registry>/httpd`, or an external node's reference), the
 * hint names the node to write instead; when it is a near miss of a node's name, that name.
 */
function undeclaredImage(config: ChainConfig, name: string, keyword: string, ref: string, node: string | undefined, declared: Set<string>, location: Location): Problem {
  const instruction = keyword === 'FROM' ? 'FROM' : 'COPY --from=';
  if (node) {
    const what = config.nodes[node]?.kind === 'external' ? `the image of the external node ${node}` : `the chain's own image of ${node}`;
    const add = declared.has(node) ? '' : `, and add ${node} to its from: in chain.yaml`;
    return problem('E_FROM_UNDECLARED', `node ${name}: ${keyword} ${ref} names ${what} by its reference`, {
      hint: `write ${instruction}${keyword === 'FROM' ? ' ' : ''}${node} (the node's name): chain pins it to the exact image of ${node}${add}`,
      location,
    });
  }
  // `FROM httpd:2.4` for the node httpd: the version is from:'s to choose, not the Dockerfile's.
  const bare = ref.split(/[:@]/)[0] as string;
  if (bare !== ref && Object.hasOwn(config.nodes, bare)) {
    return problem('E_FROM_UNDECLARED', `node ${name}: ${keyword} ${ref} names the node ${bare} with a tag or digest`, {
      hint: `write ${instruction}${keyword === 'FROM' ? ' ' : ''}${bare} (the node's name alone): which versions of ${bare} it accepts goes in from: (${bare}@^1)`,
      location,
    });
  }
  const near = /[/:@]/.test(ref) ? undefined : didYouMean(ref, Object.keys(config.nodes), (s) => `${instruction}${keyword === 'FROM' ? ' ' : ''}${s}`);
  return problem('E_FROM_UNDECLARED', `node ${name}: ${keyword} ${ref} names an image that is not a node of the chain`, {
    hint: `${near ? `${near} Otherwise ` : ''}declare the image as an external node (image: ...) and name that node here; chain never pulls unknown images`,
    location,
  });
}

/** The node whose image a reference names, if any. */
function nodeOfImage(config: ChainConfig, ref: string): string | undefined {
  let repository: string;
  try {
    repository = repositoryOf(ref);
  } catch {
    return undefined;
  }
  for (const node of Object.values(config.nodes)) {
    const own = node.kind === 'built' ? [imageRepository(config, node.name), publishedRepository(config, node.name)] : [safeRepository(node.image)];
    if (own.includes(repository)) return node.name;
  }
  return undefined;
}

function safeRepository(image: string): string | undefined {
  try {
    return repositoryOf(image);
  } catch {
    return undefined;
  }
}
