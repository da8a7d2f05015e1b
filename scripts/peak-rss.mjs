// Loaded with `node --import` by the benchmarks: reports the process's peak resident memory on exit.
import { writeSync } from 'node:fs';
process.on('exit', () => writeSync(2, `\npeak-rss-kb ${process.resourceUsage().maxRSS}\n`));
