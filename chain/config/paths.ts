/** Path safety: node folders and Dockerfiles stay inside the folder holding chain.yaml. */
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { problem, type Location, type Problem } from '../core/errors.js';
import type { Listings } from './listing.js';

export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The context folder relative to root, or undefined (with a problem) when it is not a folder inside root. */
export function checkContextPath(root: string, realRoot: string, rawPath: string, location: () => Location, problems: Problem[], listings: Listings): string | undefined {
  const outside = () => {
    problems.push(problem('E_PATH_OUTSIDE', `path ${rawPath} is outside the repository ${root}`, {
      hint: 'node folders must live inside the folder holding chain.yaml; use a relative path without .. and no symlink leading out',
      location: location(),
    }));
    return undefined;
  };
  if (path.isAbsolute(rawPath) || rawPath.split(/[\\/]/).includes('..')) return outside();
  const abs = path.resolve(root, rawPath);
  // Listing the folder is the check that it is one, and the listing serves the rest of the load.
  const stat = listings.list(abs) ? undefined : statSafely(abs);
  if (stat && !stat.stat?.isDirectory()) {
    problems.push(problem('E_PATH_MISSING', `path ${rawPath} is not a folder${stat.error ? ` (${stat.error})` : ''}`, { hint: 'create the node folder, or fix the path', location: location() }));
    return undefined;
  }
  let real: string;
  try {
    real = listings.real(abs);
  } catch (err) {
    problems.push(problem('E_PATH_MISSING', `path ${rawPath} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { hint: 'fix the path, or the symlinks in it', location: location() }));
    return undefined;
  }
  if (!isInside(realRoot, real)) return outside();
  return path.relative(root, abs).split(path.sep).join('/');
}

/** stat, with what the file system said when it could not (a name too long, a loop of symlinks, no permission) instead of a throw. */
export function statSafely(file: string): { stat?: Stats; error?: string } {
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat ? { stat } : {};
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}
