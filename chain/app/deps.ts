/**
 * What the use cases are given. The composition root (chain/cli/root.ts) makes the real ones
 * from the process; tests make their own. No use case reaches for the process, the clock or a
 * client by itself.
 */
import type { Engine } from '../adapters/engine.js';
import type { GitRepo } from '../adapters/git.js';
import type { Credentials, RegistryClient } from '../adapters/registry.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface AppDeps {
  cwd: string;
  /** the environment chain reads (credentials' location, the webhook URL), not process.env itself */
  env: Env;
  now: () => Date;
  /** the Docker Engine, made on first use: reads need no dockerode, writes load it (about 0.1 s) */
  engine: () => Promise<Engine>;
  /** one registry client per host, with the credentials the Docker configuration holds for it */
  registry: (host: string) => RegistryClient;
  credentials: (host: string) => Credentials | undefined;
  git: (dir: string) => GitRepo;
  fetch: typeof fetch;
  /** one line for the person running chain, on stderr: a warning, a wait */
  note: (text: string) => void;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
}
