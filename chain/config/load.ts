/**
 * Reads chain.yaml, the layer.yaml files and the Dockerfiles, and turns them into a checked
 * ChainConfig. Every problem is collected and reported together, each with its location.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { ChainError, fail, problem, type Location, type Problem } from '../core/errors.js';
import { readDockerfile, type DockerfileInfo } from '../core/dockerfile.js';
import { DEFAULT_TIERS, type ChainConfig, type ChainNode, type ParentRef, type Team } from '../core/model.js';
import { checkGraph } from './rules.js';
import { checkedOut, sourceDir } from '../adapters/sources.js';
import { validateAgainst } from './schema.js';
import { YamlSource } from './yaml-source.js';

export const CHAIN_FILE = 'chain.yaml';
export const LAYER_FILE = 'layer.yaml';

export interface NodeDockerfile {
  /** absolute path */
  file: string;
  text: string;
  info: DockerfileInfo;
}

export interface LoadedChain {
  config: ChainConfig;
  dockerfiles: Record<string, NodeDockerfile>;
  /** chain.yaml, for commands that report positions in it */
  source: YamlSource;
}

/** chain.yaml in `start` or the nearest folder above it, the way git finds its repository. */
export function findChainFile(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CHAIN_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      return fail('E_NO_CHAIN', `no ${CHAIN_FILE} in ${path.resolve(start)} or any folder above it`, {
        hint: 'run chain inside a chain repository, or point at one with --file <path>',
      });
    }
  }
}

function readText(file: string, code: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    return fail(code, `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { hint: 'check the path and its permissions', location: { file } });
  }
}

// The shape the schema guarantees once validation passed.
interface RawNode {
  tier: string;
  owner: string;
  path?: string;
  image?: string;
  source?: { git: string; ref: string; path?: string };
  from?: string | string[];
  dockerfile?: string;
  version?: string | number;
  args?: Record<string, string | number | boolean>;
  test?: string | string[];
  secretArgs?: string[];
  description?: string;
  deprecated?: string;
}
interface RawChain {
  version: 1;
  name: string;
  teams: Record<string, { members: string[]; contact?: string; handle?: string }>;
  tiers?: string[];
  concurrency?: Record<string, number>;
  admins?: string[];
  trustedKeys?: string[];
  registry?: string;
  nodes: Record<string, RawNode>;
}
type LayerKeys = Pick<RawNode, 'version' | 'args' | 'test' | 'secretArgs' | 'description'>;
const LAYER_KEYS = ['version', 'args', 'test', 'secretArgs', 'description'] as const;

export function loadChain(file: string): LoadedChain {
  const chainFile = path.resolve(file);
  const root = path.dirname(chainFile);
  const source = new YamlSource(chainFile, readText(chainFile, 'E_NO_CHAIN', 'chain file'));
  if (source.problems.length > 0) throw new ChainError(source.problems);
  const data = source.toJS();
  const schemaProblems = validateAgainst('chain', data, source);
  if (schemaProblems.length > 0) throw new ChainError(schemaProblems);
  const raw = data as RawChain;

  const problems: Problem[] = [];
  const teams: Record<string, Team> = {};
  for (const [name, t] of Object.entries(raw.teams)) teams[name] = { name, members: t.members, ...(t.contact ? { contact: t.contact } : {}), ...(t.handle ? { handle: t.handle } : {}) };
  const tiers = raw.tiers ?? [...DEFAULT_TIERS];
  const nodes: Record<string, ChainNode> = {};
  const realRoot = realpathSync.native(root);
  const dockerfiles: Record<string, NodeDockerfile> = {};

  for (const [name, rawNode] of Object.entries(raw.nodes)) {
    const at = (key?: string) => source.locate(key ? ['nodes', name, key] : ['nodes', name], key ? 'value' : 'key');
    if ([rawNode.path, rawNode.image, rawNode.source].filter((v) => v !== undefined).length !== 1) {
      problems.push(problem('E_NODE_SOURCE', `node ${name} needs exactly one of 'path' (built here), 'source' (its team's repository) or 'image' (bought)`, {
        hint: 'a built node names its folder with path: (or source: { git, ref, path }), an external one its image reference with image:',
        location: at(),
      }));
      continue;
    }
    const from = parseFrom(name, rawNode.from, () => at('from'), problems);
    const common = { name, tier: rawNode.tier, owner: rawNode.owner, from, ...(rawNode.deprecated ? { deprecated: rawNode.deprecated } : {}), ...(rawNode.description ? { description: rawNode.description } : {}) };
    if (rawNode.image !== undefined) {
      for (const key of ['dockerfile', 'version', 'args', 'test', 'secretArgs'] as const) {
        if (rawNode[key] !== undefined) problems.push(problem('E_EXTERNAL_KEY', `external node ${name} cannot have '${key}': it is bought, not built`, { hint: `remove ${key}, or give the node a path to build it`, location: at(key) }));
      }
      nodes[name] = { ...common, kind: 'external', image: rawNode.image };
      continue;
    }

    // A team repository's context is its checkout in the cache (fetched before loading).
    const checkout = rawNode.source ? sourceDir(root, name) : undefined;
    if (checkout && !checkedOut(checkout)) {
      problems.push(problem('E_SOURCE_NOT_FETCHED', `node ${name}: its team repository ${rawNode.source?.git} is not fetched`, { hint: 'run chain update (or any chain plan/build) to fetch it', location: at('source') }));
      continue;
    }
    const contextPath = checkout ? path.relative(root, path.join(checkout, rawNode.source?.path ?? '.')) : (rawNode.path as string);
    const context = checkContextPath(root, realRoot, contextPath, () => at(checkout ? 'source' : 'path'), problems);
    if (context === undefined) continue;
    const { keys: merged, at: keyAt } = mergeLayer(name, rawNode, path.join(root, context), source, problems);
    if (merged.version !== undefined && !semver.valid(String(merged.version))) {
      problems.push(problem('E_VERSION_INVALID', `node ${name}: version '${merged.version}' is not a semantic version`, { hint: 'write MAJOR.MINOR.PATCH, e.g. 1.4.0', location: keyAt('version') }));
    }
    const dockerfile = (rawNode.dockerfile ?? 'Dockerfile').replace(/\\/g, '/');
    const dockerfileAbs = path.resolve(root, context, dockerfile);
    if (!isInside(path.join(root, context), dockerfileAbs)) {
      problems.push(problem('E_PATH_OUTSIDE', `node ${name}: dockerfile ${dockerfile} is outside its context ${context}`, { hint: 'keep the Dockerfile inside the node folder', location: at('dockerfile') }));
      continue;
    }
    if (!statSync(dockerfileAbs, { throwIfNoEntry: false })?.isFile()) {
      problems.push(problem('E_DOCKERFILE_MISSING', `node ${name}: no Dockerfile at ${path.relative(root, dockerfileAbs)}`, {
        hint: `add ${dockerfile} to ${context}, or name another file with dockerfile:`,
        location: at(rawNode.dockerfile ? 'dockerfile' : 'path'),
      }));
      continue;
    }
    const text = readText(dockerfileAbs, 'E_DOCKERFILE_MISSING', 'Dockerfile');
    dockerfiles[name] = { file: dockerfileAbs, text, info: readDockerfile(text) };
    const args = Object.fromEntries(Object.entries(merged.args ?? {}).map(([k, v]) => [k, String(v)]));
    const test = merged.test === undefined ? [] : Array.isArray(merged.test) ? merged.test : [merged.test];
    nodes[name] = {
      ...common,
      ...(merged.description ? { description: merged.description } : {}),
      kind: 'built',
      path: context,
      ...(rawNode.source && checkout ? { source: { git: rawNode.source.git, ref: rawNode.source.ref, path: rawNode.source.path ?? '.', commit: checkedOut(checkout) as string } } : {}),
      dockerfile: path.relative(path.join(root, context), dockerfileAbs).split(path.sep).join('/'),
      ...(merged.version !== undefined ? { version: String(merged.version) } : {}),
      args,
      secretArgs: merged.secretArgs ?? [],
      test,
    };
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
  const config: ChainConfig = { root, file: chainFile, name: raw.name, teams, tiers, concurrency, admins, trustedKeys, ...(raw.registry ? { registry: raw.registry } : {}), nodes };
  problems.push(...checkGraph(config, dockerfiles, source));
  if (problems.length > 0) throw new ChainError(problems);
  return { config, dockerfiles, source };
}

function parseFrom(node: string, from: RawNode['from'], location: () => Location, problems: Problem[]): ParentRef[] {
  const entries = from === undefined ? [] : Array.isArray(from) ? from : [from];
  const refs: ParentRef[] = [];
  for (const entry of entries) {
    const [name, range, ...rest] = entry.split('@');
    if (!name || rest.length > 0 || range === '') {
      problems.push(problem('E_FROM_SYNTAX', `node ${node}: '${entry}' is not a parent (write <node> or <node>@<semver range>)`, { hint: 'e.g. from: corebuild@^1', location: location() }));
      continue;
    }
    refs.push(range === undefined ? { node: name } : { node: name, range });
  }
  return refs;
}

/** The context folder relative to root, or undefined (with a problem) when it is not a folder inside root. */
function checkContextPath(root: string, realRoot: string, rawPath: string, location: () => Location, problems: Problem[]): string | undefined {
  const outside = () => {
    problems.push(problem('E_PATH_OUTSIDE', `path ${rawPath} is outside the repository ${root}`, {
      hint: 'node folders must live inside the folder holding chain.yaml; use a relative path without .. and no symlink leading out',
      location: location(),
    }));
    return undefined;
  };
  if (path.isAbsolute(rawPath) || rawPath.split(/[\\/]/).includes('..')) return outside();
  const abs = path.resolve(root, rawPath);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push(problem('E_PATH_MISSING', `path ${rawPath} is not a folder`, { hint: 'create the node folder, or fix the path', location: location() }));
    return undefined;
  }
  if (!isInside(realRoot, realpathSync.native(abs))) return outside();
  return path.relative(root, abs).split(path.sep).join('/');
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Merges the node's layer.yaml into its chain.yaml keys; a key set in both is an error. */
interface Merged {
  keys: LayerKeys;
  /** where a key's value was set */
  at: (key: (typeof LAYER_KEYS)[number]) => Location;
}

function mergeLayer(name: string, rawNode: RawNode, contextAbs: string, chainSource: YamlSource, problems: Problem[]): Merged {
  const layerFile = path.join(contextAbs, LAYER_FILE);
  const fromChain: LayerKeys = Object.fromEntries(LAYER_KEYS.filter((k) => rawNode[k] !== undefined).map((k) => [k, rawNode[k]]));
  const inChain: Merged = { keys: fromChain, at: (key) => chainSource.locate(['nodes', name, key]) };
  if (!existsSync(layerFile)) return inChain;
  const layer = new YamlSource(layerFile, readText(layerFile, 'E_LAYER_READ', 'layer file'));
  if (layer.problems.length > 0) {
    problems.push(...layer.problems);
    return inChain;
  }
  const data = layer.toJS() ?? {};
  const schemaProblems = validateAgainst('layer', data, layer);
  if (schemaProblems.length > 0) {
    problems.push(...schemaProblems);
    return inChain;
  }
  const fromLayer = data as LayerKeys;
  for (const key of LAYER_KEYS) {
    if (fromLayer[key] !== undefined && fromChain[key] !== undefined) {
      const chainAt = chainSource.locate(['nodes', name, key], 'key');
      const chainFile = path.relative(path.dirname(chainSource.file), chainAt.file);
      problems.push(problem('E_KEY_CONFLICT', `node ${name}: '${key}' is set both in ${LAYER_FILE} and in ${chainFile}:${chainAt.line}:${chainAt.col}`, {
        hint: `keep ${key} in one place: the team's ${LAYER_FILE} owns version, args, test and description`,
        location: layer.locate([key], 'key'),
      }));
    }
  }
  return {
    keys: { ...fromChain, ...fromLayer },
    at: (key) => (fromLayer[key] !== undefined ? layer.locate([key]) : inChain.at(key)),
  };
}
