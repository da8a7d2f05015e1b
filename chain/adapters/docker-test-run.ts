/**
 * Test containers: one command with /bin/sh -c in a new container of the image, its output passed
 * on line by line while the test prints, no network unless asked, a time limit, and the container
 * removed whatever happens.
 */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { TEST_OUTPUT, type TestLimits } from '../core/test-limits.js';
import { engineCall, type RunControl } from './engine-calls.js';
import { cappedLines } from './test-output.js';

export interface TestOptions extends RunControl {
  timeoutMs: number;
  labels: Record<string, string>;
  limits: TestLimits;
  network?: string;
}

export interface TestResult {
  exitCode: number;
  timedOut: boolean;
  /** killed by the engine for passing its memory limit */
  outOfMemory?: boolean;
}

/**
 * Cuts a byte stream into lines (pure): a line or a UTF-8 character split across chunks is
 * carried to the next one, and end() passes on the last line when it has no newline. Empty lines
 * are left out, as in build output. A line longer than maxLine characters is passed on in pieces,
 * so that what is held stays bounded.
 */
export function lineSplitter(onLine: (line: string) => void, maxLine = Infinity): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const take = (text: string) => {
    const parts = text.split('\n');
    parts[0] = partial + parts[0];
    partial = parts.pop() as string;
    for (const line of parts) for (let i = 0; i < line.length; i += maxLine) onLine(line.slice(i, i + maxLine));
    while (partial.length > maxLine) {
      onLine(partial.slice(0, maxLine));
      partial = partial.slice(maxLine);
    }
  };
  return {
    write: (chunk) => take(decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (partial !== '') onLine(partial);
      partial = '';
    },
  };
}

/** A writable end for demuxStream: one per output stream, so stdout and stderr never share a partial line. */
function lineWriter(onLine: (line: string) => void): Writable {
  const lines = lineSplitter(onLine, TEST_OUTPUT.maxLineBytes);
  // A reader that throws fails the run (through finished()) instead of escaping from a stream event.
  const guarded = (step: () => void, done: (err?: Error | null) => void) => {
    try {
      step();
      done();
    } catch (err) {
      done(err as Error);
    }
  };
  return new Writable({
    write: (chunk: Buffer, _encoding, done) => guarded(() => lines.write(chunk), done),
    final: (done) => guarded(() => lines.end(), done),
  });
}

/** Passes a multiplexed (non-TTY) attach stream on as lines; settles once the stream has ended and every line is out. */
function followLines(docker: Docker, output: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const capped = cappedLines(onLine, TEST_OUTPUT);
  const stdout = lineWriter(capped.line);
  const stderr = lineWriter(capped.line);
  docker.modem.demuxStream(output, stdout, stderr);
  const ended = finished(output).then(() => {
    stdout.end();
    stderr.end();
  });
  const done = Promise.all([ended, finished(stdout), finished(stderr)]).then(() => capped.end());
  // Awaited only once the container has ended: until then a failure here must not go unhandled.
  done.catch(() => undefined);
  return done;
}

export async function runTestContainer(docker: Docker, image: string, command: string, opts: TestOptions): Promise<TestResult> {
  const container = await engineCall(() =>
    docker.createContainer({
      Image: image,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [command],
      Tty: false,
      Labels: opts.labels,
      // Bounded like any untrusted job: memory without swap, processes (a fork bomb stops here), CPU.
      HostConfig: {
        NetworkMode: opts.network ?? 'none',
        Memory: opts.limits.memoryBytes,
        MemorySwap: opts.limits.memoryBytes,
        PidsLimit: opts.limits.pids,
        NanoCpus: Math.round(opts.limits.cpus * 1e9),
      },
    }),
  );
  let timedOut = false;
  const kill = () => void container.kill().catch(() => undefined);
  opts.signal?.addEventListener('abort', kill, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, opts.timeoutMs);
  try {
    // Attached before the start: a container that prints and exits at once loses nothing.
    const output = await engineCall(() => container.attach({ stream: true, stdout: true, stderr: true }));
    const printed = followLines(docker, output, opts.onLine ?? (() => undefined));
    await engineCall(() => container.start());
    const { StatusCode } = (await engineCall(() => container.wait())) as { StatusCode: number };
    await engineCall(() => printed);
    const state = StatusCode === 137 ? (await container.inspect().catch(() => undefined))?.State : undefined;
    return { exitCode: StatusCode, timedOut, ...(state?.OOMKilled ? { outOfMemory: true } : {}) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', kill);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
