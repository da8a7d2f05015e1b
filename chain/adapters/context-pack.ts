/**
 * Packing a context for a build, apart from reading it (context.ts): tar-fs and its streams are
 * loaded only by a command that builds, never by a plan.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import { sends, type ContextSnapshot } from './context.js';

/**
 * Packs the snapshot's entries, plus its FIFOs and devices as empty entries and extra generated
 * files (the rewritten Dockerfile), as the uncompressed tar the Engine API takes.
 */
export function packContext(contextAbs: string, snapshot: ContextSnapshot, extra: Record<string, string>): Readable {
  const pack = tar.pack(contextAbs, {
    ignore: (name) => !sends(snapshot, path.relative(contextAbs, name).split(path.sep).join('/')),
    finalize: false,
    finish: (p) => {
      for (const s of snapshot.specials) p.entry({ name: s.path, type: s.kind, mode: s.mode, devmajor: s.devmajor, devminor: s.devminor, size: 0 });
      for (const [name, content] of Object.entries(extra)) p.entry({ name, mode: 0o644 }, content);
      p.finalize();
    },
  });
  return pack as unknown as Readable;
}
