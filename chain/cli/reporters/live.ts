/**
 * Progress on a terminal: finished nodes scroll above a live region that holds one line per
 * running node (its current build step or test, and elapsed time) and a running count.
 */
import { styleText } from 'node:util';
import type { BuildEvent, NodeStatus } from '../../exec/events.js';
import { clip, resultLine, type Reporter } from './plain.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Partial<Record<NodeStatus, string>> = { built: styleText('green', '✔'), failed: styleText('red', '✖'), blocked: styleText('yellow', '■'), cancelled: styleText('dim', '○') };

export function liveReporter(write: (text: string) => void, opts: { total: number; columns: () => number; now?: () => number }): Reporter {
  const now = opts.now ?? Date.now;
  const running = new Map<string, { since: number; step: string }>();
  const counts: Record<NodeStatus, number> = { built: 0, 'up-to-date': 0, failed: 0, blocked: 0, cancelled: 0, held: 0 };
  let drawn = 0;
  let frame = 0;

  const erase = () => {
    if (drawn > 0) write(`\u001b[${drawn}A\u001b[0J`);
    drawn = 0;
  };
  const draw = () => {
    const width = Math.max(40, opts.columns());
    const lines = [...running].map(([node, r]) => {
      const head = `${SPINNER[frame % SPINNER.length]} ${node}  ${((now() - r.since) / 1000).toFixed(1)}s  `;
      return head + clip(r.step, width - 1 - head.length);
    });
    const finished = Object.values(counts).reduce((a, b) => a + b, 0);
    lines.push(
      `built ${counts.built} · up to date ${counts['up-to-date']} · failed ${counts.failed} · blocked ${counts.blocked}${counts.cancelled ? ` · cancelled ${counts.cancelled}` : ''} · to go ${opts.total - finished}`,
    );
    write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const redraw = () => {
    erase();
    draw();
  };
  const timer = setInterval(() => {
    frame += 1;
    redraw();
  }, 100);
  timer.unref();

  return {
    onEvent(e: BuildEvent) {
      switch (e.type) {
        case 'started':
          running.set(e.node, { since: now(), step: 'sending context' });
          break;
        case 'step': {
          const r = running.get(e.node);
          if (r) r.step = e.step;
          break;
        }
        case 'queued':
        case 'log':
        case 'tested':
          return;
        default: {
          running.delete(e.node);
          counts[e.result.status] += 1;
          if (e.type === 'up-to-date') break;
          erase();
          write(`${MARK[e.result.status] ?? ' '} ${e.node}  ${resultLine(e.result)}\n`);
        }
      }
      redraw();
    },
    close() {
      clearInterval(timer);
      erase();
    },
  };
}
