/**
 * A node's build and test log in the state folder. A log that cannot be written (a full disk)
 * must not crash the run from a stream event: the error is kept, and `check` tells it as
 * E_STATE_WRITE before anything is published or recorded.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeError, writing } from '../adapters/state.js';

export interface NodeLog {
  write(line: string): void;
  /** throws the first write error, as E_STATE_WRITE */
  check(): void;
  /** flushes and closes; never throws */
  close(): Promise<void>;
}

export function openNodeLog(file: string): NodeLog {
  writing(file, () => mkdirSync(path.dirname(file), { recursive: true }));
  const stream = createWriteStream(file);
  let failed: unknown;
  stream.on('error', (err) => (failed ??= err));
  return {
    write: (line) => {
      if (failed === undefined) stream.write(`${line}\n`);
    },
    check: () => {
      if (failed !== undefined) throw writeError(file, failed);
    },
    close: () => new Promise((resolve) => (failed === undefined ? stream.end(resolve) : resolve())),
  };
}
