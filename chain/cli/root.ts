/**
 * The composition root: the one place that turns the process (its folder, environment, clock,
 * streams, signals) into the dependencies every command and use case is given. Tests call
 * `run` with their own.
 */
import type { AppDeps, Env } from '../app/deps.js';
import type { DockerEngine } from '../adapters/docker.js';
import type { Engine } from '../adapters/engine.js';
import { GitRepo } from '../adapters/git.js';
import { dockerCredentials, registryClients, type Credentials } from '../adapters/registry.js';
import type { Terminal } from './command.js';

export interface ProcessIo {
  cwd: string;
  env: Env;
  /** a line on stdout */
  out: (text: string) => void;
  /** a line on stderr */
  err: (text: string) => void;
  /** raw text on stderr, for a live view (default: lines through err) */
  write?: (text: string) => void;
  /** stderr can redraw a live view */
  live?: boolean;
  columns?: () => number;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
  /** an engine client made by the caller (tests point it at a proxy) */
  engine?: DockerEngine;
  now?: () => Date;
  fetch?: typeof fetch;
}

export function createDeps(io: ProcessIo): AppDeps {
  let engine: Promise<Engine> | undefined;
  const found = new Map<string, Credentials | undefined>();
  const credentials = (host: string) => (found.has(host) ? found.get(host) : found.set(host, dockerCredentials(host, io.env)).get(host));
  return {
    cwd: io.cwd,
    env: io.env,
    now: io.now ?? (() => new Date()),
    // Reads go through a thin HTTP client; dockerode, the costliest module to load, only on a
    // command's first write. Where the engine is comes from process.env, as dockerode reads it.
    engine: () => (engine ??= import('../adapters/engine-open.js').then(({ openEngine }) => openEngine(process.env, io.engine))),
    registry: registryClients(credentials),
    credentials,
    git: (dir) => new GitRepo(dir),
    fetch: io.fetch ?? fetch,
    note: io.err,
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

export function createTerminal(io: ProcessIo): Terminal {
  return { err: io.err, write: io.write ?? ((text) => io.err(text.replace(/\n$/, ''))), live: io.live ?? false, columns: io.columns ?? (() => 80) };
}
