/**
 * Input text, strictly: a file is UTF-8 or it is refused at the first byte that is not (never a
 * silent U+FFFD), and a file that is not a regular file is named for what it is. Pure: the
 * readers in config/ and adapters/ do the I/O and call these.
 */
import { ChainError, problem, type Location } from './errors.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The bytes as text; E_NOT_UTF8 at the line and column of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const offset = firstInvalidByte(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const lines = before.split('\n');
    const line = lines.length;
    const col = (lines.at(-1) ?? '').length + 1;
    const byte = bytes[offset];
    throw new ChainError([
      problem('E_NOT_UTF8', `${baseName(file)} is not UTF-8: byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} at line ${line}, column ${col} starts no valid UTF-8 character`, {
        hint: 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8); chain never guesses an encoding',
        location: { file, line, col },
      }),
    ]);
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (need === 0) {
      i++;
      continue;
    }
    if (i + need >= bytes.length) return i; // cut short by the end of the file
    const b1 = bytes[i + 1] as number;
    // The second byte's range depends on the first: no overlong forms, no surrogates, nothing past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** What a file is, for messages: 'a FIFO', 'a socket', 'a device', 'a folder', 'a regular file'. */
export function fileKind(stat: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isSymbolicLink(): boolean }): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symlink';
  return 'a device';
}

/** E_NOT_A_FILE: chain reads only regular files (never a FIFO or a device, whose read may never end). */
export function notARegularFile(file: string, kind: string, location?: Location): ChainError {
  return new ChainError([
    problem('E_NOT_A_FILE', `${displayName(file)} is ${kind}, not a regular file: chain reads only regular files`, {
      hint: kind === 'a folder' ? 'name a file, not a folder' : 'replace it with a regular file (a FIFO or a device could be read forever)',
      location: location ?? { file },
    }),
  ]);
}

/**
 * Where JSON.parse fails in `text`: the offset of the first character that makes it invalid
 * (found by bisecting prefixes, since V8's messages do not always say), or text.length when the
 * text simply ends too soon.
 */
export function jsonErrorOffset(text: string): number {
  const failsBefore = (end: number): boolean => {
    try {
      JSON.parse(text.slice(0, end));
      return false;
    } catch (err) {
      const message = (err as Error).message;
      if (/Unexpected end of JSON input/.test(message)) return false;
      const at = /at position (\d+)/.exec(message);
      return at ? Number(at[1]) < end : true;
    }
  };
  let lo = 0;
  let hi = text.length;
  if (!failsBefore(hi)) return text.length;
  // Smallest prefix length that already fails inside itself: its last character is the culprit.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (failsBefore(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/** 1-based line and column of a string offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1) ?? '').length + 1 };
}

const baseName = (file: string) => file.split(/[\\/]/).filter(Boolean).pop() ?? file;
/** A system path (/dev/zero) is named whole; a file of the chain by its name (its location says where). */
const displayName = (file: string) => (/^\/(dev|proc|sys|run)\//.test(file) ? file : baseName(file));
