#!/usr/bin/env node
/** The entry point: the only place that touches process.exit. */
import { run } from './cli/main.js';

const code = await run(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = code;
