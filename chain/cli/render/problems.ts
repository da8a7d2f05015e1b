/** How problems are shown to people: one block each, code first, then where and what to do. */
import path from 'node:path';
import { formatLocation, type Location, type Problem } from '../../core/errors.js';

/** Paths under the current folder are shown relative to it. */
export function displayLocation(loc: Location | undefined, cwd: string): string {
  if (!loc) return '';
  const rel = path.relative(cwd, loc.file);
  const file = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : loc.file;
  return formatLocation({ ...loc, file });
}

export function renderProblems(problems: Problem[], cwd: string): string {
  const blocks = problems.map((p) => {
    const where = displayLocation(p.location, cwd);
    return [`error[${p.code}]: ${p.message}`, ...(where ? [`  --> ${where}`] : []), ...(p.hint ? [`  hint: ${p.hint}`] : [])].join('\n');
  });
  const tail = problems.length > 1 ? [`${problems.length} problems found.`] : [];
  return [...blocks, ...tail].join('\n');
}
