/**
 * Builds with the engine's BuildKit: POST /build with version=2 and chain's own session (the
 * secrets it may hand out). Status arrives as `moby.buildkit.trace` events, decoded into the same
 * lines, steps and failures as the classic builder's; a failure is caught where the engine
 * reports it: a rejected request, an errorDetail in the HTTP 200 stream, or a vertex's error.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ChainError } from '../../core/errors.js';
import { buildParams, describe, engineCall, followProgress, type ProgressEvent, type RunControl } from '../engine-calls.js';
import { openSession } from './session.js';
import { decodeTrace, TraceReader, type TraceStep } from './trace.js';

export interface KitBuildOptions extends RunControl {
  dockerfile: string;
  buildargs: Record<string, string>;
  nocache?: boolean;
  /** id -> value, for RUN --mount=type=secret,id=<id> */
  secrets: Readonly<Record<string, Buffer>>;
  /** how many of a failed step's last lines to keep */
  tail: number;
}

export type KitResult = { id: string } | { error: string; step?: TraceStep; rejected?: true };

/** Builds; returns the image ID, or the failure as the engine and the trace reported it. */
export async function buildWithKit(docker: Docker, context: Readable, opts: KitBuildOptions): Promise<KitResult> {
  const session = await engineCall(() => openSession(docker, opts.secrets));
  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await engineCall(() =>
        docker.buildImage(context, {
          ...buildParams(opts),
          // A number, not '2': dockerode opens its own session (auth only) for the string.
          version: 2 as unknown as '2',
          session: session.id,
        } as Docker.ImageBuildOptions),
      );
    } catch (err) {
      if (err instanceof ChainError || opts.signal?.aborted) throw err;
      return { error: describe(err), rejected: true };
    }
    const reader = new TraceReader(opts.tail);
    const emit = (lines: string[]) => lines.forEach((line) => opts.onLine?.(line));
    let events: ProgressEvent[];
    try {
      events = await followProgress(docker, stream, (event) => {
        const e = event as ProgressEvent & { id?: string; aux?: unknown };
        if (e.id === 'moby.buildkit.trace' && typeof e.aux === 'string') emit(reader.feed(decodeTrace(e.aux)));
        else if (event.stream !== undefined) emit(event.stream.split('\n').filter((line) => line.trim() !== ''));
        else if (event.errorDetail?.message ?? event.error) emit([`ERROR: ${event.errorDetail?.message ?? event.error}`]);
      });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw err;
    }
    emit(reader.end());
    return kitResult(events, reader);
  } finally {
    session.close();
  }
}

/** The image ID, or the failure: the stream's error first, else a failed vertex (pure). */
export function kitResult(events: readonly ProgressEvent[], reader: Pick<TraceReader, 'failed'>): KitResult {
  const failed = events.find((e) => e.errorDetail || e.error);
  const step = reader.failed();
  if (failed || step) {
    const message = (failed?.errorDetail?.message ?? failed?.error ?? step?.error ?? '').trim() || 'build failed';
    return { error: message, ...(step ? { step } : {}) };
  }
  const id = events
    .map((e) => e.aux)
    .filter((aux): aux is { ID: string } => typeof aux === 'object' && aux !== null && typeof aux.ID === 'string')
    .at(-1)?.ID;
  return id ? { id } : { error: 'the engine finished the build without reporting an image ID' };
}
