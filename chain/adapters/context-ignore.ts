/**
 * A context's .dockerignore, read as the docker CLI reads it, and checked: a pattern the matcher
 * cannot compile is refused at its line (E_DOCKERIGNORE), as `docker build` refuses it ("syntax
 * error in pattern"), instead of failing at the first file it is tried on.
 */
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { decodeUtf8 } from '../core/text.js';
import { readRegularFile } from './files.js';

// CommonJS whose typings declare an ES default export; the function is also its own `default`.
const dockerignore = dockerignoreModule.default;

export interface IgnoreRules {
  /** whether a path relative to the context is ignored; undefined: nothing is */
  ignores?: (rel: string) => boolean;
  /** some pattern is an exception (!): an ignored folder must still be walked */
  hasExceptions: boolean;
}

/** The rules of `<context>/.dockerignore` (none when there is no such file). */
export function readIgnoreRules(contextAbs: string): IgnoreRules {
  const file = path.join(contextAbs, '.dockerignore');
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hasExceptions: false };
    if (err instanceof ChainError) throw err;
    throw new ChainError([problem('E_CONTEXT_UNREADABLE', `.dockerignore cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { hint: 'make it readable, or remove it', location: { file } })]);
  }
  const patterns = decodeUtf8(bytes, file);
  if (patterns.trim() === '') return { hasExceptions: false };
  const problems = checkPatterns(patterns, file);
  if (problems.length > 0) throw new ChainError(problems);
  const ignore = dockerignore({ ignorecase: false }).add(patterns);
  return { ignores: (rel) => ignore.ignores(rel), hasExceptions: patterns.split('\n').some((l) => l.trim().startsWith('!')) };
}

/** Every pattern compiled on its own, so that a bad one is named with its line. */
function checkPatterns(patterns: string, file: string): Problem[] {
  const problems: Problem[] = [];
  patterns.split('\n').forEach((line, i) => {
    const pattern = line.trim();
    if (pattern === '' || pattern.startsWith('#')) return;
    try {
      // The matcher compiles a pattern the first time it tests a path.
      dockerignore({ ignorecase: false }).add(pattern).ignores('a/b');
    } catch (err) {
      problems.push(
        problem('E_DOCKERIGNORE', `.dockerignore: '${pattern}' is not a valid pattern (${(err as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '')})`, {
          hint: 'fix the pattern (a [ opens a character class that ] must close; escape a literal [ as \\[), or remove the line',
          location: { file, line: i + 1, col: line.indexOf(pattern) + 1 },
        }),
      );
    }
  });
  return problems;
}
