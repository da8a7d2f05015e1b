/** Reads the chain and the world, and plans: the common first half of `plan`, `build` and `patch --dry-run`. */
import path from 'node:path';
import { fail } from '../core/errors.js';
import { hintWith } from '../core/suggest.js';
import { chainGraph } from '../core/graph.js';
import { nodesTouched } from '../core/ownership.js';
import { assemblePlan, selectNodes, type Plan } from '../core/plan.js';
import { parseChainText } from '../config/read.js';
import type { LoadedChain } from '../config/resolve.js';
import type { DockerEngine } from '../adapters/docker.js';
import { ProvenanceStore } from '../adapters/provenance-store.js';
import { StateStore } from '../adapters/state.js';
import { readWorld, startGitRead, type GitFacts, type World } from '../world/read.js';
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
}

export interface Planned {
  plan: Plan;
  world: World;
  engine: DockerEngine;
  state: StateStore;
}

/** Opens chain.yaml and plans it; git is read while the chain loads. */
export async function planFile(deps: AppDeps, file: string, request: PlanRequest): Promise<Planned> {
  const gitRead = startGitRead(deps.git(path.dirname(file)));
  return planLoaded(deps, await openChain(file, request.builder), request, gitRead);
}

/** Plans an opened chain (`chain patch --dry-run` plans one with new versions in memory). */
export async function planLoaded(deps: AppDeps, loaded: LoadedChain, request: PlanRequest, gitRead: Promise<GitFacts>): Promise<Planned> {
  checkTargets(loaded, request.targets);
  if (request.only && request.targets.length === 0) {
    fail('E_USAGE', '--only builds exactly the nodes it is given, and none was named', { hint: 'name the nodes, e.g. chain build corebuild --only --push' });
  }
  const engine = await deps.engine();
  const state = new StateStore(loaded.config.root);
  const graph = chainGraph(loaded.config);
  const since = request.since ? await changesSince(deps, loaded, request.since) : undefined;
  const selected = selectNodes(graph, request.targets, since?.touched.keys(), request.only);
  const world = await readWorld(loaded, graph, selected, { engine, state, provenance: new ProvenanceStore(loaded.config.root), registry: deps.registry }, gitRead);
  refusePrivateKeys(world);
  for (const note of [...world.notes, ...contextNotes(world)]) deps.note(note);
  const force = new Set(request.force ? (request.targets.length > 0 ? request.targets : Object.keys(loaded.config.nodes)) : []);
  const plan = assemblePlan({ ...world, chain: loaded.config, targets: request.targets, force, ...(since ? { since } : {}), ...(request.only ? { only: true } : {}) });
  return { plan, world, engine, state };
}

export function checkTargets(loaded: LoadedChain, targets: string[]): void {
  for (const t of targets) {
    if (!Object.hasOwn(loaded.config.nodes, t)) {
      const nodes = Object.keys(loaded.config.nodes).sort();
      fail('E_UNKNOWN_NODE', `no node named '${t}' in ${loaded.config.file}`, { hint: hintWith(t, nodes, `nodes: ${nodes.join(', ')}`) });
    }
  }
}

/** --since: the nodes whose inputs changed between the ref and the work tree, with the files. */
async function changesSince(deps: AppDeps, loaded: LoadedChain, ref: string): Promise<{ ref: string; touched: Map<string, string[]> }> {
  const { config } = loaded;
  const git = deps.git(config.root);
  if (!(await git.exists(ref))) fail('E_GIT_REF', `'${ref}' is not a commit of the repository at ${config.root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
  const chainYaml = path.basename(config.file);
  const files = await git.changedSince(ref);
  const changed = files.includes(chainYaml);
  const before = changed ? parseChainText(await git.show(ref, chainYaml)) : undefined;
  return { ref, touched: nodesTouched(config, files, chainYaml, before, changed ? loaded.raw : undefined) };
}
