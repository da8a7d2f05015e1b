/** Reads the chain and the world, and plans: the common first half of `plan`, `build` and `patch --dry-run`. */
import path from 'node:path';
import { fail } from '../core/errors.js';
import { hintWith } from '../core/suggest.js';
import { chainGraph } from '../core/graph.js';
import { nodesTouched } from '../core/ownership.js';
import { assemblePlan, selectNodes, type Plan } from '../core/plan.js';
import { parseChainText } from '../config/read.js';
import type { ChainConfig } from '../core/model.js';
import type { LoadedChain } from '../config/resolve.js';
import type { Engine } from '../adapters/engine.js';
import { ProvenanceStore } from '../adapters/provenance-store.js';
import { StateStore } from '../adapters/state.js';
import { RegistryFacts } from '../adapters/registry-facts.js';
import { readWorld, startEngineRead, startGitRead, turn, type World, type WorldReads } from '../world/read.js';
import { startListing } from '../world/engine-store.js';
import type { ChainSpec } from '../config/read.js';
import type { AppDeps } from './deps.js';
import { contextNotes, refusePrivateKeys } from './contexts.js';
import { openChain } from './open.js';
import type { Builder } from '../core/model.js';

export interface PlanRequest {
  /** nodes named on the command line; none means the whole chain */
  targets: string[];
  /** --since: a git ref */
  since?: string;
  force?: boolean;
  /** build exactly the named nodes: their ancestors are only observed, never built */
  only?: boolean;
  /** --builder: the builder of every node that names none, instead of chain.yaml's */
  builder?: Builder;
  /**
   * with a registry, whose version tags (and rebase sources) are read: `all` versioned nodes' (a
   * --push build converges them), or `none` (only what is current matters); else those of the
   * nodes the plan may build
   */
  releases?: 'all' | 'none';
}

export interface Planned {
  plan: Plan;
  world: World;
  engine: Engine;
  state: StateStore;
}

/**
 * Opens chain.yaml and plans it; git is read while the chain loads. A plan of named nodes or of
 * --since reads and checks only the folders of the nodes it covers: the cost follows the change.
 */
export async function planFile(deps: AppDeps, file: string, request: PlanRequest): Promise<Planned> {
  const repo = deps.git(path.dirname(file));
  const builder = request.builder ? { builder: request.builder } : {};
  // The engine and git answer while chain.yaml and the folders are read.
  const engine = await deps.engine();
  const store = startEngineRead(engine);
  if (request.since === undefined && request.targets.length === 0) {
    const git = startGitRead(repo);
    let listed: WorldReads['listed'];
    // Once chain.yaml says how many nodes there are: when one list call is how the engine will be
    // read, it runs while the folders are read (it does not depend on their fingerprints).
    const ready = async (spec: ChainSpec) => {
      listed = (await startListing(engine, spec.raw.name, Object.values(spec.raw.nodes).filter((n) => n.image === undefined).length, store))?.listed;
    };
    await turn();
    const loaded = await openChain(file, { ...builder, ready });
    return planLoaded(deps, loaded, request, { git, store, ...(listed ? { listed } : {}) });
  }
  let changes: Changes | undefined;
  let since: Since | undefined;
  let selected: string[] = [];
  const changing = request.since ? changedFiles(deps, file, request.since).then((c) => (changes = c)) : undefined;
  // A failed chain.yaml is reported first, whatever git says about the ref.
  changing?.catch(() => undefined);
  let listing: ReturnType<typeof startListing> | undefined;
  const select = (skeleton: ChainConfig, raw: unknown) => {
    checkRequest(skeleton, request);
    if (changes) since = { ref: changes.ref, touched: touchedBy(skeleton, raw, changes) };
    selected = selectNodes(chainGraph(skeleton), request.targets, since?.touched.keys(), request.only);
    // The engine is asked (a list call, when that is the way) while the covered folders are read.
    listing = startListing(engine, skeleton.name, selected.filter((name) => skeleton.nodes[name]?.kind === 'built').length, store);
    listing.catch(() => undefined);
    return selected;
  };
  const loaded = await openChain(file, { ...builder, select, ...(changing ? { ready: () => changing } : {}) });
  // Git is asked about the covered nodes' folders only (all of it past a command line's worth).
  const folders = selected.flatMap((name) => builtPath(loaded.config, name));
  const git = startGitRead(repo, folders.length <= MAX_PATHSPECS ? folders : undefined); // while the engine's list is awaited
  const listed = (await listing)?.listed;
  return planLoaded(deps, loaded, request, { git, store, ...(listed ? { listed } : {}) }, since);
}

/** Beyond this many folders, git reads its whole index (a command line has a length limit). */
const MAX_PATHSPECS = 500;

function builtPath(config: ChainConfig, name: string): string[] {
  const node = config.nodes[name];
  return node?.kind === 'built' && !node.source ? [node.path === '' ? '.' : node.path] : [];
}

type Since = { ref: string; touched: Map<string, string[]> };

/** Plans an opened chain (`chain patch --dry-run` plans one with new versions in memory). */
export async function planLoaded(deps: AppDeps, loaded: LoadedChain, request: PlanRequest, reads: WorldReads, knownSince?: Since): Promise<Planned> {
  checkRequest(loaded.config, request);
  const engine = await deps.engine();
  const state = new StateStore(loaded.config.root);
  const graph = chainGraph(loaded.config);
  const since = knownSince ?? (request.since ? await changesSince(deps, loaded, request.since) : undefined);
  const selected = selectNodes(graph, request.targets, since?.touched.keys(), request.only);
  const force = new Set(request.force ? (request.targets.length > 0 ? request.targets : Object.keys(loaded.config.nodes)) : []);
  const facts = RegistryFacts.open(loaded.config.root);
  const ask = { force, ...(request.releases ? { releases: request.releases } : {}) };
  const world = await readWorld(loaded, graph, selected, { engine, state, provenance: new ProvenanceStore(loaded.config.root), registry: deps.registry, facts, ask }, reads);
  refusePrivateKeys(world);
  for (const note of [...world.notes, ...contextNotes(world)]) deps.note(note);
  const plan = assemblePlan({ ...world, chain: loaded.config, targets: request.targets, force, ...(since ? { since } : {}), ...(request.only ? { only: true } : {}) });
  // What the registry said of its images for good is kept once the plan is made (only where the state folder is).
  facts.save();
  return { plan, world, engine, state };
}

function checkRequest(config: ChainConfig, request: PlanRequest): void {
  checkTargets(config, request.targets);
  if (request.only && request.targets.length === 0) {
    fail('E_USAGE', '--only builds exactly the nodes it is given, and none was named', { hint: 'name the nodes, e.g. chain build corebuild --only --push' });
  }
}

export function checkTargets(config: ChainConfig, targets: string[]): void {
  for (const t of targets) {
    if (!Object.hasOwn(config.nodes, t)) {
      const nodes = Object.keys(config.nodes).sort();
      fail('E_UNKNOWN_NODE', `no node named '${t}' in ${config.file}`, { hint: hintWith(t, nodes, `nodes: ${nodes.join(', ')}`) });
    }
  }
}

interface Changes {
  ref: string;
  files: string[];
  /** chain.yaml's data at the ref, when the change touched it */
  before?: unknown;
  chainYaml: string;
}

/** --since: the files changed between the ref and the work tree, and chain.yaml as it was. */
async function changedFiles(deps: AppDeps, file: string, ref: string): Promise<Changes> {
  const root = path.dirname(path.resolve(file));
  const git = deps.git(root);
  const chainYaml = path.basename(file);
  // The ref is checked only when git cannot diff against it: one process fewer on the usual path.
  const files = await git.changedSince(ref).catch(async (err: unknown) => {
    if (await git.exists(ref)) throw err;
    return fail('E_GIT_REF', `'${ref}' is not a commit of the repository at ${root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
  });
  const before = files.includes(chainYaml) ? parseChainText(await git.show(ref, chainYaml)) : undefined;
  return { ref, files, chainYaml, ...(before !== undefined ? { before } : {}) };
}

/** The nodes a change touches, with the files. */
function touchedBy(config: ChainConfig, raw: unknown, changes: Changes): Map<string, string[]> {
  return nodesTouched(config, changes.files, changes.chainYaml, changes.before, changes.files.includes(changes.chainYaml) ? raw : undefined);
}

async function changesSince(deps: AppDeps, loaded: LoadedChain, ref: string): Promise<Since> {
  const changes = await changedFiles(deps, loaded.config.file, ref);
  return { ref, touched: touchedBy(loaded.config, loaded.raw, changes) };
}
