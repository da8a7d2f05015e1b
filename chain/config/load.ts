/**
 * Loading chain.yaml in its two phases, for callers that have no team repository to fetch in
 * between (or have fetched them): read (read.ts), then resolve (resolve.ts).
 */
import { readChain } from './read.js';
import { resolveChain, type LoadedChain } from './resolve.js';
import type { Checkout } from '../core/model.js';

export type { LoadedChain } from './resolve.js';
export type { NodeDockerfile } from './node.js';

export function loadChain(file: string, checkouts: Readonly<Record<string, Checkout>> = {}): LoadedChain {
  return resolveChain(readChain(file), checkouts);
}
