/** Progress of a build as plain, timestamped lines (one per event, no escape codes). */
import type { BuildEvent, BuildObserver } from '../exec/events.js';

export function plainReporter(write: (line: string) => void, verbose = false): BuildObserver {
  const stamp = () => new Date().toISOString().slice(11, 19);
  return {
    onEvent(e: BuildEvent) {
      switch (e.type) {
        case 'started':
          return write(`${stamp()} ${e.node}: building`);
        case 'log':
          if (verbose || /^Step \d+\/\d+ :/.test(e.line)) write(`${stamp()} ${e.node}: ${verbose ? e.line : clip(e.line)}`);
          return;
        case 'finished': {
          const r = e.result;
          if (r.status === 'up-to-date') return;
          const detail = r.status === 'built' ? `${r.imageId?.slice(0, 19)} (${(r.durationMs / 1000).toFixed(1)}s)` : r.status === 'failed' ? (r.error ?? '') : r.blockedBy ? `by ${r.blockedBy}` : '';
          return write(`${stamp()} ${e.node}: ${r.status} ${detail}`.trimEnd());
        }
        case 'queued':
          return;
      }
    },
  };
}

/** Long step lines (a LABEL with every label) cut to one terminal line. */
function clip(line: string, max = 100): string {
  const flat = line.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
