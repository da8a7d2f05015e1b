/**
 * The engine a command uses: reads through the thin HTTP reader when the engine is a unix socket
 * or plain TCP (engine-host.ts decides, as dockerode would), writes through dockerode, loaded on
 * the first write. An engine client handed in (tests) is read at the same place it points to.
 */
import type { DockerEngine } from './docker.js';
import { LazyEngine, type Engine } from './engine.js';
import { engineLocation, modemLocation, type EngineLocation } from './engine-host.js';
import { HttpEngineReader } from './engine-http.js';

/**
 * `env` is where dockerode looks (process.env: it reads nothing else), so that reads and writes
 * reach the same engine. `given`: a client made by the caller, used for every write.
 */
export function openEngine(env: Readonly<Record<string, string | undefined>>, given?: DockerEngine): Engine {
  const location: EngineLocation = given ? modemLocation(given.docker.modem as unknown as Record<string, unknown>) : engineLocation(env);
  const reader = location.kind === 'dockerode' ? undefined : new HttpEngineReader(location);
  return new LazyEngine(reader, given ? () => Promise.resolve(given) : () => import('./docker.js').then(({ DockerEngine }) => new DockerEngine()));
}
