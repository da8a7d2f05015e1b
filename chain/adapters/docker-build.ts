/**
 * Image builds: a failed build is caught both where the engine reports it (a rejected request,
 * or an errorDetail inside an HTTP 200 stream); a cancelled build leaves no step container behind.
 */
import type { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { ChainError } from '../core/errors.js';
import type { Builder } from '../core/model.js';
import { labelInEngine, labelInstruction } from './engine-label.js';
import { buildParams, describe, engineCall, followProgress, streamError, type ProgressEvent, type RunControl } from './engine-calls.js';

export interface BuildOptions extends RunControl {
  dockerfile: string;
  buildargs: Record<string, string>;
  nocache?: boolean;
  /** classic unless said */
  builder?: Builder;
  /** BuildKit only: id -> value of the node's secrets */
  secrets?: Readonly<Record<string, Buffer>>;
  /**
   * Classic only: labels the image gets after its build, without a step (engine-label.ts); a
   * BuildKit build carries them as a LABEL instruction of its Dockerfile, which costs no container.
   */
  labels?: Readonly<Record<string, string>>;
}

/** The step a build failed at, as the classic builder numbers them (every instruction, from 1), with its last lines of output. */
export interface FailedStep {
  /** 1-based: the n-th instruction of the Dockerfile; 0 under BuildKit, whose steps count differently (found by their text) */
  index: number;
  /** the instruction as the engine echoed it, `RUN make` */
  text: string;
  /** the step's last lines of output (stdout and stderr), at most STEP_TAIL */
  output: string[];
}

/** How many of a failed step's last output lines are kept for the summary (the log has them all). */
export const STEP_TAIL = 10;

/** A build that the engine ran and that failed: the node fails, the run goes on. */
export class BuildFailedError extends Error {
  readonly step: FailedStep | undefined;
  constructor(message: string, step?: FailedStep) {
    super(message);
    this.name = 'BuildFailedError';
    this.step = step;
  }
}

/** Follows the builder's lines: which step runs, and the last lines it printed. */
export function stepTracker(): { line(line: string): void; step(): FailedStep | undefined } {
  let current: FailedStep | undefined;
  return {
    line(line) {
      const step = /^Step (\d+)\/\d+ : (.*)$/s.exec(line);
      if (step) current = { index: Number(step[1]), text: step[2] as string, output: [] };
      else if (current && !/^ ---> |^Removing intermediate container /.test(line)) {
        current.output.push(line);
        if (current.output.length > STEP_TAIL) current.output.shift();
      }
    },
    step: () => current,
  };
}

/** The image ID of a build stream's events, or the engine's error (pure; tested on fixtures). */
export function buildResult(events: ProgressEvent[]): { id: string } | { error: string } {
  const error = streamError(events);
  if (error !== undefined) return { error: error || 'build failed' };
  // Multi-stage builds report one ID per stage: the last is the image.
  const id = events.filter((e) => e.aux?.ID).at(-1)?.aux?.ID;
  return id ? { id } : { error: 'the engine finished the build without reporting an image ID' };
}

/** Builds an image from a packed context; returns its ID. */
export async function buildImage(docker: Docker, context: Readable, opts: BuildOptions): Promise<string> {
  if (opts.builder === 'buildkit') {
    const { buildWithKit } = await import('./buildkit/build.js'); // gRPC is loaded only for BuildKit builds
    const result = await buildWithKit(docker, context, { ...opts, secrets: opts.secrets ?? {}, tail: STEP_TAIL });
    if ('id' in result) return result.id;
    throw new BuildFailedError(result.error, result.step ? { index: 0, text: result.step.text, output: result.step.output } : undefined);
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engineCall(() =>
      docker.buildImage(context, buildParams(opts)),
    );
  } catch (err) {
    if (err instanceof ChainError || opts.signal?.aborted) throw err;
    // Rejected before building: Dockerfile parse errors (400), bad references, missing files (500).
    throw new BuildFailedError(describe(err));
  }
  // The classic builder names each step's image (" ---> <id>") and container ("Running in
  // <id>"); on cancellation the engine removes the container only some time after we hang up,
  // so we remove it ourselves.
  let stepContainer: string | undefined;
  let stepImage: string | undefined;
  const steps = stepTracker();
  let events: ProgressEvent[];
  try {
    events = await followProgress(docker, stream, (event) => {
      const text = event.stream ?? event.status ?? event.errorDetail?.message ?? '';
      for (const raw of text.split('\n')) {
        // The classic builder wraps stderr in ESC[91m ... ESC[0m.
        const line = stripVTControlCharacters(raw);
        if (line.trim() === '') continue;
        stepContainer = /Running in ([0-9a-f]{12,64})/.exec(line)?.[1] ?? stepContainer;
        stepImage = /^ ---> ([0-9a-f]{12,64})$/.exec(line)?.[1] ?? stepImage;
        if (event.stream !== undefined) steps.line(line);
        opts.onLine?.(line);
      }
    });
  } catch (err) {
    // A cancelled build ends its stream too: that is the cancellation, not a lost engine.
    if (!opts.signal?.aborted) throw err;
    await removeStepContainers(docker, stepContainer, stepImage);
    throw opts.signal.reason;
  }
  const result = buildResult(events);
  if ('error' in result) throw new BuildFailedError(result.error, steps.step());
  return opts.labels ? labelImage(docker, result.id, opts.labels, opts) : result.id;
}

/**
 * The built image with its labels: a new config loaded (no container), or, when its history
 * cannot be written back from what the engine shows (engine-label.ts), a LABEL step on it.
 */
async function labelImage(docker: Docker, id: string, labels: Readonly<Record<string, string>>, opts: BuildOptions): Promise<string> {
  const labelled = await labelInEngine(docker, id, labels);
  if (labelled) {
    opts.onLine?.(`# labelled ${id}: ${labelled}`);
    return labelled;
  }
  opts.onLine?.(`# labelling ${id} with a LABEL step: its history does not say which empty entries made layers`);
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, `FROM ${id}\n${labelInstruction(labels)}\n`);
  pack.finalize();
  const control = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onLine ? { onLine: opts.onLine } : {}) };
  return buildImage(docker, pack as unknown as Readable, { dockerfile: 'Dockerfile', buildargs: {}, ...control });
}

/**
 * After a cancelled build: removes the step's container, named or not yet named in the stream
 * (created from the step's image), until none is left or a short while has passed.
 */
async function removeStepContainers(docker: Docker, container: string | undefined, image: string | undefined): Promise<void> {
  const remove = (id: string) => docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  if (container) await remove(container);
  if (!image) return;
  for (let attempt = 0, quiet = 0; attempt < 20 && quiet < 2; attempt++) {
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ ancestor: [image] }) }).catch(() => []);
    quiet = left.length === 0 ? quiet + 1 : 0;
    await Promise.all(left.map((c) => remove(c.Id)));
    await new Promise((r) => setTimeout(r, 150));
  }
}
