/**
 * What an image test may use: a test runs the team's commands in the image just built, so it is
 * bounded like any untrusted job (memory without swap, processes, CPU) and its output is capped
 * so that chain's own memory stays bounded whatever the test prints.
 */
export interface TestLimits {
  memoryBytes: number;
  pids: number;
  cpus: number;
}

/** Defaults, documented in the README; a node may set `testLimits` in its layer.yaml. */
export const DEFAULT_TEST_LIMITS: TestLimits = { memoryBytes: 512 * 1024 ** 2, pids: 256, cpus: 1 };

/** The engine refuses less than 6 MiB. */
export const MIN_TEST_MEMORY = 6 * 1024 ** 2;

/** Output of one test command passed on in full; past it only the last lines are kept. */
export const TEST_OUTPUT = { maxBytes: 4 * 1024 ** 2, tailLines: 100, maxLineBytes: 16 * 1024 };

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `512m`, `2g`, `65536`: bytes as Docker writes sizes (b, k, m, g; powers of 1024); undefined when not one. */
export function parseBytes(value: string | number): number | undefined {
  const m = /^(\d+)([bkmg]?)$/i.exec(String(value).trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `536870912` bytes as `512m`, for messages and the README. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
