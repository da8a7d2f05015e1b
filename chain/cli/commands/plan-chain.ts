/** Reads the chain and the world, and plans: the common first half of `plan` and `build`. */
import path from 'node:path';
import { fail } from '../../core/errors.js';
import { assemblePlan, type Plan } from '../../core/plan.js';
import { loadChain, type LoadedChain } from '../../config/load.js';
import { DockerEngine } from '../../adapters/docker.js';
import { StateStore } from '../../adapters/state.js';
import { RegistryClient } from '../../adapters/registry.js';
import { readWorld, startGitRead, type World } from '../../world/read.js';
import type { Io, Options } from '../command.js';

function checkTargets(loaded: LoadedChain, targets: string[]): void {
  for (const t of targets) {
    if (!loaded.config.nodes[t]) {
      fail('E_UNKNOWN_NODE', `no node named '${t}' in ${loaded.config.file}`, { hint: `nodes: ${Object.keys(loaded.config.nodes).sort().join(', ')}` });
    }
  }
}

export interface Planned {
  plan: Plan;
  world: World;
  engine: DockerEngine;
  state: StateStore;
}

export async function planChain(file: string, targets: string[], opts: Options, io: Io): Promise<Planned> {
  const gitRead = startGitRead(path.dirname(file)); // runs while the chain loads
  const loaded = loadChain(file);
  checkTargets(loaded, targets);
  const engine = io.engine ?? new DockerEngine();
  const state = new StateStore(loaded.config.root);
  const clients = new Map<string, RegistryClient>();
  const registry = (host: string) => clients.get(host) ?? clients.set(host, new RegistryClient(host)).get(host) as RegistryClient;
  const world = await readWorld(loaded, targets, { engine, state, registry }, gitRead);
  const force = new Set(opts.force ? (targets.length > 0 ? targets : Object.keys(loaded.config.nodes)) : []);
  const plan = assemblePlan({ chain: loaded.config, targets, force, ...world });
  return { plan, world, engine, state };
}
