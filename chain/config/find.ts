/** Finding chain.yaml: in a folder or the nearest one above it, the way git finds its repository. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.js';

export const CHAIN_FILE = 'chain.yaml';
export const LAYER_FILE = 'layer.yaml';

export function findChainFile(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CHAIN_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      return fail('E_NO_CHAIN', `no ${CHAIN_FILE} in ${path.resolve(start)} or any folder above it`, {
        hint: 'run chain inside a chain repository, or point at one with --file <path>',
      });
    }
  }
}
