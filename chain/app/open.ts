/** Opens a chain: chain.yaml read once (phase 1), its team repositories fetched, then resolved (phase 2). */
import path from 'node:path';
import { ChainError, formatLocation, type Problem } from '../core/errors.js';
import { graphProblemsDespiteSchema } from '../config/despite-schema.js';
import { readChain, type ChainSpec } from '../config/read.js';
import { resolveChain, type LoadedChain } from '../config/resolve.js';
import { rawLockNodes, readLock } from '../config/lock.js';
import { fetchSources } from '../adapters/sources.js';
import { DockerfileCache } from '../adapters/dockerfile-cache.js';
import type { Builder, ChainConfig } from '../core/model.js';

export interface OpenOptions {
  builder?: Builder;
  select?: (skeleton: ChainConfig, raw: unknown) => Iterable<string>;
  ready?: (spec: ChainSpec) => Promise<unknown>;
}

/**
 * @param options.builder chain build --builder: stands for chain.yaml's builder: key, for every node that names none
 * @param options.select given the chain as chain.yaml alone says it (no node folder read), the nodes
 *   whose folders must be read and checked; the others stay `unread` (see resolveChain)
 * @param options.ready awaited once chain.yaml is parsed, before any node folder is read: what
 *   `select` waits for, or what should run while the folders are read
 */
export async function openChain(file: string, options: OpenOptions = {}): Promise<LoadedChain> {
  const { builder, select, ready } = options;
  const spec = readOrReportAll(file);
  if (builder) spec.raw.builder = builder;
  // What the selection needs (git's answer to --since) runs while chain.yaml is parsed.
  await ready?.(spec);
  const checkouts = Object.keys(spec.sources).length > 0 ? await fetchSources(spec.root, spec.file, spec.sources, readLock(spec.root, rawLockNodes(spec.raw))) : {};
  const infos = DockerfileCache.open(spec.root);
  const loaded = resolveChain(spec, checkouts, select, infos);
  // Only a chain that loads is remembered: a refused input leaves the state folder as it was.
  infos?.save();
  return loaded;
}

/** Phase 1; when chain.yaml fails its schema, the graph's problems that can still be found are reported with it. */
function readOrReportAll(file: string): ChainSpec {
  try {
    return readChain(file);
  } catch (err) {
    if (!(err instanceof ChainError) || err.problems.some((p) => p.code === 'E_YAML_SYNTAX' || p.code === 'E_DUPLICATE_KEY' || p.code === 'E_NO_CHAIN')) throw err;
    const seen = new Set(err.problems.map(key));
    const more = graphProblemsDespiteSchema(path.resolve(file)).filter((p) => !seen.has(key(p)));
    throw more.length > 0 ? new ChainError([...err.problems, ...more], err.exitCode) : err;
  }
}

const key = (p: Problem) => `${p.code} ${p.message} ${formatLocation(p.location)}`;
