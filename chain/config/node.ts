/** Phase 2 for one node: its context, layer.yaml keys and Dockerfile, checked. */
import path from 'node:path';
import semver from 'semver';
import { problem, type Location, type Problem } from '../core/errors.js';
import { readDockerfile, type DockerfileInfo, type DockerfileInfos } from '../core/dockerfile.js';
import { DEFAULT_TEST_LIMITS, MIN_TEST_MEMORY, parseBytes, type TestLimits } from '../core/test-limits.js';
import { builderOf, type BuiltNode, type ChainNode, type Checkout, type ParentRef } from '../core/model.js';
import { mergeLayer, type LayerKeys } from './layer.js';
import type { Listings } from './listing.js';
import { checkRebase } from './rebase-rules.js';
import { checkContextPath, isInside, statSafely } from './paths.js';
import { readTextInto, type ChainSpec, type RawChain, type RawNode } from './read.js';

export interface NodeDockerfile {
  /** absolute path */
  file: string;
  text: string;
  info: DockerfileInfo;
}

export interface NodeContext {
  spec: ChainSpec;
  realRoot: string;
  listings: Listings;
  checkouts: Readonly<Record<string, Checkout>>;
  problems: Problem[];
  /** readings remembered from earlier runs, when the caller keeps them */
  infos?: DockerfileInfos;
}

/**
 * The node, and its Dockerfile when it is built; undefined (with problems) when it cannot be used.
 * Not `deep`: a built node as chain.yaml alone says it (nothing of its folder is read or checked).
 */
export function resolveNode(name: string, rawNode: RawNode, c: NodeContext, deep = true): { node: ChainNode; dockerfile?: NodeDockerfile } | undefined {
  const { root, source } = c.spec;
  const at = (key?: string) => source.locate(key ? ['nodes', name, key] : ['nodes', name], key ? 'value' : 'key');
  if ([rawNode.path, rawNode.image, rawNode.source].filter((v) => v !== undefined).length !== 1) {
    c.problems.push(problem('E_NODE_SOURCE', `node ${name} needs exactly one of 'path' (built here), 'source' (its team's repository) or 'image' (bought)`, {
      hint: 'a built node names its folder with path: (or source: { git, ref, path }), an external one its image reference with image:',
      location: at(),
    }));
    return undefined;
  }
  const from = parseFrom(name, rawNode.from, () => at('from'), c.problems);
  const common = { name, tier: rawNode.tier, owner: rawNode.owner, from, ...(rawNode.deprecated ? { deprecated: rawNode.deprecated } : {}), ...(rawNode.description ? { description: rawNode.description } : {}) };
  if (rawNode.image !== undefined) {
    for (const key of ['dockerfile', 'version', 'args', 'test', 'secretArgs', 'testLimits', 'builder', 'secrets', 'rebase', 'rebaseFallback'] as const) {
      if (rawNode[key] !== undefined) c.problems.push(problem('E_EXTERNAL_KEY', `external node ${name} cannot have '${key}': it is bought, not built`, { hint: `remove ${key}, or give the node a path to build it`, location: at(key) }));
    }
    return { node: { ...common, kind: 'external', image: rawNode.image } };
  }

  // A team repository's context is its checkout in the cache (fetched between the phases).
  const checkout = rawNode.source ? c.checkouts[name] : undefined;
  if (rawNode.source && !checkout) {
    c.problems.push(problem('E_SOURCE_NOT_FETCHED', `node ${name}: its team repository ${rawNode.source.git} is not fetched`, { hint: 'run chain update (or any chain plan/build) to fetch it', location: at('source') }));
    return undefined;
  }
  const contextPath = checkout ? path.relative(root, path.join(checkout.dir, rawNode.source?.path ?? '.')) : (rawNode.path as string);
  if (!deep) return { node: unreadNode(common, root, contextPath, rawNode) };
  const context = checkContextPath(root, c.realRoot, contextPath, () => at(checkout ? 'source' : 'path'), c.problems, c.listings);
  if (context === undefined) return undefined;
  const { keys: merged, at: keyAt } = mergeLayer(name, rawNode, path.join(root, context), source, c.problems, c.listings);
  if (merged.version !== undefined && !semver.valid(String(merged.version))) {
    c.problems.push(problem('E_VERSION_INVALID', `node ${name}: version '${merged.version}' is not a semantic version`, { hint: 'write MAJOR.MINOR.PATCH, e.g. 1.4.0', location: keyAt('version') }));
  }
  const dockerfile = (rawNode.dockerfile ?? 'Dockerfile').replace(/\\/g, '/');
  const dockerfileAbs = path.resolve(root, context, dockerfile);
  if (!isInside(path.join(root, context), dockerfileAbs)) {
    c.problems.push(problem('E_PATH_OUTSIDE', `node ${name}: dockerfile ${dockerfile} is outside its context ${context}`, { hint: 'keep the Dockerfile inside the node folder', location: at('dockerfile') }));
    return undefined;
  }
  // Most Dockerfiles sit at the top of their context, whose listing says they are there.
  const listed = c.listings.entry(path.dirname(dockerfileAbs), path.basename(dockerfileAbs)) !== undefined;
  const found = listed ? {} : statSafely(dockerfileAbs);
  if (!listed && !found.stat) {
    c.problems.push(problem('E_DOCKERFILE_MISSING', `node ${name}: no Dockerfile at ${path.relative(root, dockerfileAbs)}${found.error ? ` (${found.error})` : ''}`, {
      hint: `add ${dockerfile} to ${context}, or name another file with dockerfile:`,
      location: at(rawNode.dockerfile ? 'dockerfile' : 'path'),
    }));
    return undefined;
  }
  // A folder, a FIFO or a device is refused (E_NOT_A_FILE), never read.
  const text = readTextInto(dockerfileAbs, 'E_DOCKERFILE_MISSING', 'Dockerfile', c.problems);
  if (text === undefined) return undefined;
  const info = c.infos ? c.infos.read(text) : readDockerfile(text);
  checkSecretArgs(name, merged, info, () => keyAt('secretArgs'), c.problems);
  const test = merged.test === undefined ? [] : Array.isArray(merged.test) ? merged.test : [merged.test];
  const node: BuiltNode = {
    ...common,
    ...(merged.description ? { description: merged.description } : {}),
    kind: 'built',
    path: context,
    ...(rawNode.source && checkout ? { source: { git: rawNode.source.git, ref: rawNode.source.ref, path: rawNode.source.path ?? '.', commit: checkout.commit } } : {}),
    dockerfile: path.relative(path.join(root, context), dockerfileAbs).split(path.sep).join('/'),
    ...(merged.version !== undefined ? { version: String(merged.version) } : {}),
    args: Object.fromEntries(Object.entries(merged.args ?? {}).map(([k, v]) => [k, String(v)])),
    secretArgs: merged.secretArgs ?? [],
    test,
    testLimits: testLimits(name, merged.testLimits, () => keyAt('testLimits'), c.problems),
    ...(merged.builder ? { builder: merged.builder } : {}),
    ...(merged.secrets && Object.keys(merged.secrets).length > 0 ? { secrets: merged.secrets } : {}),
    ...(merged.rebase === true ? { rebase: true } : {}),
    ...(merged.rebaseFallback ? { rebaseFallback: merged.rebaseFallback } : {}),
  };
  checkSecrets(node, c.spec.raw.builder, () => keyAt('secrets'), c.problems);
  if (merged.rebase === true) checkRebase(node, info, () => keyAt('rebase'), c.problems);
  return { node, dockerfile: { file: dockerfileAbs, text, info } };
}

const PLAIN_PATH = /^(?!\.\.?(?:\/|$))[^/\\]+(?:\/(?!\.\.?(?:\/|$))[^/\\]+)*$/;

/** A built node whose folder was not read: where it is and what it is built from, nothing else. */
function unreadNode(common: Omit<BuiltNode, 'kind' | 'path' | 'dockerfile' | 'args' | 'secretArgs' | 'test'>, root: string, contextPath: string, rawNode: RawNode): BuiltNode {
  // A plain relative path (no '.', '..' or empty segment, no backslash) is already what normalising gives.
  const context = PLAIN_PATH.test(contextPath) ? contextPath : path.relative(root, path.resolve(root, contextPath)).split(path.sep).join('/');
  return { ...common, kind: 'built', unread: true, path: context, dockerfile: (rawNode.dockerfile ?? 'Dockerfile').replace(/\\/g, '/'), args: {}, secretArgs: [], test: [] };
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

/** The node's test limits: the defaults, with what its team set. */
function testLimits(node: string, raw: RawNode['testLimits'], location: () => Location, problems: Problem[]): TestLimits {
  const limits = { ...DEFAULT_TEST_LIMITS, ...(raw?.pids !== undefined ? { pids: raw.pids } : {}), ...(raw?.cpus !== undefined ? { cpus: raw.cpus } : {}) };
  if (raw?.memory === undefined) return limits;
  const bytes = parseBytes(raw.memory);
  if (bytes === undefined || bytes < MIN_TEST_MEMORY) {
    problems.push(problem('E_TEST_LIMITS', `node ${node}: testLimits.memory '${raw.memory}' is not a size of at least 6m`, { hint: 'write it as Docker does: 256m, 1g', location: location() }));
    return limits;
  }
  return { ...limits, memoryBytes: bytes };
}

/** Secrets reach a build only through BuildKit's secret mounts: a node with secrets is built by BuildKit. */
function checkSecrets(node: BuiltNode, chainBuilder: RawChain['builder'], location: () => Location, problems: Problem[]): void {
  if (!node.secrets || builderOf({ ...(chainBuilder ? { builder: chainBuilder } : {}) }, node) === 'buildkit') return;
  problems.push(problem('E_SECRETS_BUILDER', `node ${node.name}: secrets reach a build only through RUN --mount=type=secret, which needs BuildKit, but the classic builder builds this node`, {
    hint: 'set builder: buildkit for the node (in its layer.yaml or chain.yaml), or for the whole chain',
    location: location(),
  }));
}

/**
 * secretArgs names build args: each must be one the node passes (args:) or its Dockerfile declares
 * (ARG). A name that is neither is a typo that leaves the real arg unprotected (recorded).
 */
function checkSecretArgs(node: string, merged: LayerKeys, info: DockerfileInfo, location: () => Location, problems: Problem[]): void {
  const declared = new Set([...Object.keys(merged.args ?? {}), ...info.instructions.filter((i) => i.keyword === 'ARG').flatMap((i) => (i.properties ?? []).map((p) => p.name))]);
  for (const name of merged.secretArgs ?? []) {
    if (declared.has(name)) continue;
    problems.push(problem('E_SECRET_ARG', `node ${node}: secretArgs names '${name}', which is neither in its args nor an ARG of its Dockerfile`, {
      hint: `secretArgs lists build args to keep out of records; known args: ${[...declared].sort().join(', ') || 'none'}`,
      location: location(),
    }));
  }
}
