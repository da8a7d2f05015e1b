/**
 * User-reachable errors carry a stable code, a message, a hint and, where there is one, a
 * location. Bugs stay plain `Error`s: the entry point prints a stack only for those.
 */

/** Exit codes are part of the interface: scripts depend on them. Documented in the README. */
export const ExitCode = {
  ok: 0,
  /** a node failed to build or its tests failed */
  failed: 1,
  /** bad command line or bad input (chain.yaml, layer.yaml, Dockerfiles) */
  input: 2,
  /** the local environment: the Docker Engine cannot be reached, a base image is missing */
  environment: 3,
  /** the registry cannot be reached, or refused the credentials */
  registry: 4,
  /** a bug in chain itself */
  internal: 70,
  /** interrupted by SIGINT or SIGTERM */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface Location {
  file: string;
  line?: number;
  col?: number;
}

export interface ProblemInit {
  hint?: string;
  location?: Location;
}

/** One problem found in the user's input or environment. */
export interface Problem {
  code: string;
  message: string;
  hint?: string;
  location?: Location;
}

export class ChainError extends Error {
  readonly problems: Problem[];
  readonly exitCode: ExitCode;

  constructor(problems: Problem[], exitCode: ExitCode = ExitCode.input) {
    super(problems.map((p) => `${p.code}: ${p.message}`).join('\n'));
    this.name = 'ChainError';
    this.problems = problems;
    this.exitCode = exitCode;
  }

  get code(): string {
    return this.problems[0]?.code ?? 'E_UNKNOWN';
  }
}

export function problem(code: string, message: string, init: ProblemInit = {}): Problem {
  return { code, message, ...init };
}

/** Throws one ChainError for a single problem. */
export function fail(code: string, message: string, init: ProblemInit = {}, exitCode: ExitCode = ExitCode.input): never {
  throw new ChainError([problem(code, message, init)], exitCode);
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}:${loc.col ?? 1}`;
}
