#!/usr/bin/env node
/** The entry point: the only place that touches process.exit and signals. */
import { run } from './cli/main.js';
import { ExitCode } from './core/errors.js';

// The first Ctrl-C (or SIGTERM) cancels the run cleanly: running builds are stopped through the
// engine, nothing unfinished is promoted, the summary is printed. A second one exits at once.
const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
  process.stderr.write(`\n${signal}: cancelling (again to quit at once)\n`);
  interrupt.abort(new Error(signal));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const live = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR && !process.env.CI;
process.exitCode = await run(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  write: (text) => process.stderr.write(text),
  live,
  columns: () => process.stderr.columns ?? 80,
  signal: interrupt.signal,
});
