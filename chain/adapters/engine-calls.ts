/**
 * Calls to the Docker Engine and how they fail, in one place: a lost or absent engine becomes
 * E_ENGINE_UNREACHABLE (one clear line), and a progress stream's failure is read from its events,
 * because the engine answers HTTP 200 and reports the error inside the stream.
 */
import type Docker from 'dockerode';
import { ChainError, ExitCode, problem } from '../core/errors.js';

/** What every long engine run (a build, a test container) takes: a way to stop it, and a reader of its output. */
export interface RunControl {
  signal?: AbortSignal;
  /** each line of output, as the run prints it */
  onLine?: (line: string) => void;
}

/** The /build parameters both builders take: intermediate containers always removed, the run's signal aborting the call. */
export function buildParams(opts: RunControl & { dockerfile: string; buildargs: Record<string, string>; nocache?: boolean }): Docker.ImageBuildOptions {
  return { dockerfile: opts.dockerfile, buildargs: opts.buildargs, rm: true, forcerm: true, nocache: opts.nocache ?? false, ...(opts.signal ? { abortSignal: opts.signal } : {}) };
}

/** One event of a build, push or pull progress stream. */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string };
}

export const unreachable = (detail: string) =>
  new ChainError(
    [problem('E_ENGINE_UNREACHABLE', `cannot reach the Docker Engine (${detail})`, { hint: 'start it (scripts/setup does), or point DOCKER_HOST at a running engine' })],
    ExitCode.environment,
  );

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE';
}

/** Status code of a dockerode HTTP error, if it is one. */
export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The first line of what the engine said (its JSON message rather than dockerode's wrapping). */
export function describe(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string; code?: string };
  return (e.json?.message ?? e.message ?? e.code ?? String(err)).split('\n')[0] as string;
}

/** Runs an engine call; connection failures become E_ENGINE_UNREACHABLE. */
export async function engineCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isConnectionError(err)) throw unreachable(describe(err));
    throw err;
  }
}

/** The error a progress stream reported, if any (pure). */
export function streamError(events: ProgressEvent[]): string | undefined {
  const failed = events.find((e) => e.errorDetail || e.error);
  return failed ? (failed.errorDetail?.message ?? failed.error ?? '').trim() : undefined;
}

/**
 * Reads a progress stream to its end with modem.followProgress (not docker.followProgress: that
 * one rewrites BuildKit's aux ID event and the image ID is lost).
 */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (event: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: ProgressEvent[]) => (err ? reject(isConnectionError(err) ? unreachable(describe(err)) : err) : resolve(events)),
      onEvent,
    ),
  );
}
