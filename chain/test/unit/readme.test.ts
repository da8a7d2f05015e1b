/** The README's samples are what chain prints (those that need no engine; integration/readme-samples checks the rest). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers.js';

test('README samples that need no engine are real output (node scripts/readme-samples.mjs rewrites them)', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/readme-samples.mjs'), '--check', '--no-engine'], { encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /samples \(without the engine ones\): all as chain prints them/);
});

test.run();
