/** chain's own version, from package.json. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;
export function chainVersion(): string {
  cached ??= (JSON.parse(readFileSync(packageJson(), 'utf8')) as { version: string }).version;
  return cached;
}

/** The package's package.json: the nearest above this code, compiled (dist/chain/adapters/) or bundled (dist/chain.mjs). */
function packageJson(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'package.json');
}
