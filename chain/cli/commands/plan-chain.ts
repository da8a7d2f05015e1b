/** Reads the chain and the world, and plans: the common first half of `plan` and `build`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { nodesTouched } from '../../core/ownership.js';
import { GitRepo } from '../../adapters/git.js';
import { ensureSources } from '../../adapters/sources.js';
import { fail } from '../../core/errors.js';
import { assemblePlan, type Plan } from '../../core/plan.js';
import { loadChain, type LoadedChain } from '../../config/load.js';
import { DockerEngine } from '../../adapters/docker.js';
import { StateStore } from '../../adapters/state.js';
import { dockerCredentials, registryClients } from '../../adapters/registry.js';
import { readWorld, startGitRead, type World } from '../../world/read.js';
import type { Io, Options } from '../command.js';

function checkTargets(loaded: LoadedChain, targets: string[]): void {
  for (const t of targets) {
    if (!loaded.config.nodes[t]) {
      fail('E_UNKNOWN_NODE', `no node named '${t}' in ${loaded.config.file}`, { hint: `nodes: ${Object.keys(loaded.config.nodes).sort().join(', ')}` });
    }
  }
}

/** --since: the nodes whose inputs changed between the ref and the work tree, with the files. */
async function changesSince(loaded: LoadedChain, file: string, ref: string): Promise<{ ref: string; touched: Map<string, string[]> }> {
  const git = new GitRepo(loaded.config.root);
  if (!(await git.exists(ref))) fail('E_GIT_REF', `'${ref}' is not a commit of the repository at ${loaded.config.root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
  const chainYaml = path.basename(file);
  const files = await git.changedSince(ref);
  const parse = (text: string | undefined) => (text === undefined ? undefined : loadYaml(text));
  const before = files.includes(chainYaml) ? parse(await git.show(ref, chainYaml)) : undefined;
  const after = files.includes(chainYaml) ? parse(readFileSync(file, 'utf8')) : undefined;
  return { ref, touched: nodesTouched(loaded.config, files, chainYaml, before, after) };
}

export interface Planned {
  plan: Plan;
  world: World;
  engine: DockerEngine;
  state: StateStore;
}

export async function planChain(file: string, targets: string[], opts: Options, io: Io): Promise<Planned> {
  const gitRead = startGitRead(path.dirname(file)); // runs while the chain loads
  await ensureSources(file);
  return planLoaded(loadChain(file), file, targets, opts, io, gitRead);
}

/** Plans an already loaded chain (`chain patch --dry-run` plans one with new versions in memory). */
export async function planLoaded(loaded: LoadedChain, file: string, targets: string[], opts: Options, io: Io, gitRead = startGitRead(path.dirname(file))): Promise<Planned> {
  checkTargets(loaded, targets);
  const engine = io.engine ?? new DockerEngine();
  const state = new StateStore(loaded.config.root);
  const registry = registryClients((host) => dockerCredentials(host, process.env));
  const since = opts.since ? await changesSince(loaded, file, opts.since) : undefined;
  const world = await readWorld(loaded, targets, { engine, state, registry }, gitRead, since?.touched.keys());
  const force = new Set(opts.force ? (targets.length > 0 ? targets : Object.keys(loaded.config.nodes)) : []);
  const plan = assemblePlan({ chain: loaded.config, targets, force, ...world, ...(since ? { since } : {}) });
  return { plan, world, engine, state };
}
