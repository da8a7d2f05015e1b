/**
 * Test containers: one command with /bin/sh -c in a new container of the image, its output passed
 * on line by line while the test prints, no network unless asked, a time limit, and the container
 * removed whatever happens.
 */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { engineCall, type RunControl } from './engine-calls.js';

export interface TestOptions extends RunControl {
  timeoutMs: number;
  labels: Record<string, string>;
  network?: string;
}

export interface TestResult {
  exitCode: number;
  timedOut: boolean;
}

/**
 * Cuts a byte stream into lines (pure): a line or a UTF-8 character split across chunks is
 * carried to the next one, and end() passes on the last line when it has no newline. Empty lines
 * are left out, as in build output.
 */
export function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const take = (text: string) => {
    const parts = text.split('\n');
    if (parts.length === 1) {
      partial += text;
      return;
    }
    parts[0] = partial + parts[0];
    partial = parts.pop() as string;
    for (const line of parts) if (line !== '') onLine(line);
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
  const lines = lineSplitter(onLine);
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
  const stdout = lineWriter(onLine);
  const stderr = lineWriter(onLine);
  docker.modem.demuxStream(output, stdout, stderr);
  const ended = finished(output).then(() => {
    stdout.end();
    stderr.end();
  });
  const done = Promise.all([ended, finished(stdout), finished(stderr)]).then(() => undefined);
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
      HostConfig: { NetworkMode: opts.network ?? 'none' },
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
    return { exitCode: StatusCode, timedOut };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', kill);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
