/**
 * Files the adapters read that a person may have put anything at (.dockerignore, a key, the Docker
 * configuration, records in the state folder): only regular files, opened without blocking and
 * checked again on the descriptor, so a FIFO or a device is refused at once, never read forever.
 * (config/files.ts does the same for the chain's input files; layers keep the two apart.)
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import type { Location } from '../core/errors.js';
import { fileKind, notARegularFile } from '../core/text.js';

/**
 * The bytes of a regular file. A file that is not regular throws E_NOT_A_FILE (a ChainError);
 * one that cannot be opened throws the system error (ENOENT, EACCES) for the caller to judge.
 */
export function readRegularFile(file: string, location?: Location): Buffer {
  const stat = statSync(file);
  if (!stat.isFile()) throw notARegularFile(file, fileKind(stat), location);
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notARegularFile(file, fileKind(opened), location);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFile as text, replacing nothing it does not have to: for files chain wrote itself or JSON. */
export function readRegularText(file: string, location?: Location): string {
  return readRegularFile(file, location).toString('utf8');
}
