/**
 * Team repositories: a node's context fetched with simple-git into a cache in the state folder
 * (.chain/sources/<node>) and checked out at the commit chain.lock pins, else at its ref's tip.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { ExitCode, fail } from '../core/errors.js';
import type { Checkout, SourceSpec } from '../core/model.js';
import type { Lockfile } from '../core/lockfile.js';
import { STATE_DIR } from './state.js';

export const sourceDir = (root: string, node: string) => path.join(root, STATE_DIR, 'sources', node);

/** The commit a checkout is at (its detached HEAD), or undefined when it is not fetched. */
export function checkedOut(dir: string): string | undefined {
  try {
    const head = readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8').trim();
    return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  } catch {
    return undefined;
  }
}

/** The commit a ref of a repository points to now (`git ls-remote`). */
export async function resolveRef(spec: SourceSpec): Promise<string> {
  let out = '';
  try {
    out = await simpleGit().raw(['ls-remote', spec.git, spec.ref]);
  } catch (err) {
    return fail('E_SOURCE_FETCH', `cannot reach the team repository ${spec.git}: ${(err as Error).message.split('\n')[0]}`, { hint: 'check source.git in chain.yaml and the credentials git uses' }, ExitCode.environment);
  }
  const commit = out.split('\n').map((l) => l.split('\t')).find(([, name]) => name === spec.ref || name === `refs/heads/${spec.ref}` || name === `refs/tags/${spec.ref}`)?.[0];
  if (!commit) return fail('E_SOURCE_REF', `${spec.git} has no branch or tag '${spec.ref}'`, { hint: 'fix source.ref in chain.yaml' });
  return commit;
}

/** Fetches each node's team repository into the cache, at its pinned commit (else its ref's tip). */
export async function fetchSources(root: string, chainFile: string, specs: Readonly<Record<string, SourceSpec>>, lock: Lockfile | undefined): Promise<Record<string, Checkout>> {
  const checkouts: Record<string, Checkout> = {};
  for (const [node, spec] of Object.entries(specs)) {
    const pin = lock?.sources?.[node];
    const want = pin && pin.git === spec.git && pin.ref === spec.ref ? pin.commit : await resolveRef(spec);
    const dir = sourceDir(root, node);
    checkouts[node] = { dir, commit: want };
    if (checkedOut(dir) === want) continue;
    try {
      if (!existsSync(path.join(dir, '.git'))) await simpleGit().clone(spec.git, dir, ['--quiet', '--no-checkout']);
      const git = simpleGit({ baseDir: dir });
      await git.raw(['fetch', '--quiet', 'origin', spec.ref]);
      await git.raw(['checkout', '--quiet', '--detach', want]);
    } catch (err) {
      fail('E_SOURCE_FETCH', `cannot fetch ${spec.git} (${spec.ref}) for node ${node}: ${(err as Error).message.split('\n')[0]}`, { hint: 'check source.git and source.ref in chain.yaml', location: { file: chainFile } }, ExitCode.environment);
    }
  }
  return checkouts;
}
