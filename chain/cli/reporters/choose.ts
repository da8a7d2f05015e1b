/** The progress view of a run: live on a terminal that can redraw, plain timestamped lines elsewhere. */
import type { Terminal } from '../command.js';
import { liveReporter } from './live.js';
import { plainReporter, type Reporter } from './plain.js';

export function progressView(terminal: Terminal, verbose: boolean): (total: number) => Reporter {
  return (total) => (terminal.live && !verbose ? liveReporter(terminal.write, { total, columns: terminal.columns }) : plainReporter(terminal.err, { verbose }));
}
