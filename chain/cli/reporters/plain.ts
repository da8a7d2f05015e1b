/** Progress as plain, timestamped lines, one per event, no escape codes: for CI, pipes and NO_COLOR. */
import type { BuildEvent, BuildObserver, NodeResult } from '../../exec/events.js';

export interface Reporter extends BuildObserver {
  /** called once when the run is over, before the summary is printed */
  close(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The line that says how a node ended, shared by both reporters. */
export function resultLine(r: NodeResult): string {
  switch (r.status) {
    case 'built':
      return `${r.adopted ? 'adopted (another runner published it first)' : 'built'} ${r.imageId?.slice(7, 19) ?? ''} in ${seconds(r.durationMs)}`;
    case 'failed':
      return `failed: ${r.error ?? ''}`;
    case 'blocked':
      return `blocked by ${r.blockedBy ?? 'a failed parent'}`;
    case 'held':
      return r.held ?? 'held';
    default:
      return r.status;
  }
}

/** Long lines (a LABEL step with every label) cut to one line. */
export function clip(line: string, max: number): string {
  const flat = line.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
}

export function plainReporter(write: (line: string) => void, opts: { verbose?: boolean; now?: () => Date } = {}): Reporter {
  const stamp = () => (opts.now ?? (() => new Date()))().toISOString().slice(11, 19);
  const say = (node: string, text: string) => write(`${stamp()} ${node}: ${text}`);
  return {
    onEvent(e: BuildEvent) {
      switch (e.type) {
        case 'queued':
        case 'started':
          return say(e.node, e.type);
        case 'step':
          return say(e.node, clip(e.step, 120));
        case 'log':
          if (opts.verbose) say(e.node, e.line);
          return;
        case 'tested':
          return say(e.node, `${e.passed} test${e.passed === 1 ? '' : 's'} passed`);
        case 'up-to-date':
          return;
        default:
          return say(e.node, resultLine(e.result));
      }
    },
    close() {},
  };
}
