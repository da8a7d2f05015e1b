/**
 * Reading the chain's own input files (chain.yaml, layer.yaml, Dockerfiles, policies, chain.lock):
 * only regular files, opened without blocking and checked again on the open descriptor, so a FIFO
 * or a device named by mistake is refused at once instead of being read forever (which would also
 * leave Ctrl-C unanswered: a blocked synchronous read holds the event loop). The text must be UTF-8.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { fail, type Location } from '../core/errors.js';
import { decodeUtf8, fileKind, notARegularFile } from '../core/text.js';

export interface ReadFailure {
  /** the code of a file that cannot be read (missing, no permission) */
  code: string;
  /** what the file is, for the message: 'chain file', 'layer file', ... */
  what: string;
  hint?: string;
  /** where the file is named, when that is not the file itself */
  location?: Location;
}

/** The bytes of a regular file; never blocks on a FIFO or a device. */
export function readRegular(file: string, failure: ReadFailure): Buffer {
  const cannot = (err: unknown): never =>
    fail(failure.code, `cannot read ${failure.what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      hint: failure.hint ?? 'check the path and its permissions',
      location: failure.location ?? { file },
    });
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    return cannot(err);
  }
  if (!stat.isFile()) throw notARegularFile(file, fileKind(stat), failure.location);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return cannot(err);
  }
  try {
    // The path may have been swapped between stat and open: the descriptor is what is read.
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notARegularFile(file, fileKind(opened), failure.location);
    return readFileSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) return cannot(err);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** A regular file's text, which must be UTF-8 (E_NOT_UTF8 at the first byte that is not). */
export function readTextFile(file: string, failure: ReadFailure): string {
  return decodeUtf8(readRegular(file, failure), file);
}
