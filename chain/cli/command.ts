/**
 * What every command shares: the I/O it is given, the parsed options, and finding the chain.
 * Commands return an exit code and write only through `out`/`err`; main.ts prints and exits.
 */
import path from 'node:path';
import { fail, type ExitCode } from '../core/errors.js';
import { findChainFile, loadChain, type LoadedChain } from '../config/load.js';
import { ensureSources } from '../adapters/sources.js';
import type { DockerEngine } from '../adapters/docker.js';

export interface Io {
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** progress output goes to a terminal that can redraw (and NO_COLOR/CI are not set) */
  live?: boolean;
  columns?: () => number;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
  /** the engine to use instead of the default one (tests) */
  engine?: DockerEngine;
}

export interface Options {
  file?: string;
  json?: boolean;
  force?: boolean;
  verbose?: boolean;
  format?: string;
  jobs?: string;
  'fail-fast'?: boolean;
  atomic?: boolean;
  'no-wait'?: boolean;
  'test-timeout'?: string;
  'sign-key'?: string;
  push?: boolean;
  reason?: string;
  level?: string;
  'dry-run'?: boolean;
  out?: string;
  name?: string;
  check?: boolean;
  since?: string;
}

export type Run = (args: string[], opts: Options, io: Io) => Promise<ExitCode>;

export function chainFile(opts: Options, io: Io): string {
  return opts.file ? path.resolve(io.cwd, opts.file) : findChainFile(io.cwd);
}

/** Finds chain.yaml, fetches the team repositories it names, and loads it. */
export async function openChain(opts: Options, io: Io): Promise<{ file: string; loaded: LoadedChain }> {
  const file = chainFile(opts, io);
  await ensureSources(file);
  return { file, loaded: loadChain(file) };
}

export function positiveInt(value: string | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail('E_USAGE', `--${option} takes a whole number of at least 1, not '${value}'`, { hint: `e.g. --${option} ${fallback}` });
  return n;
}
