/** Every README sample is what chain prints, the plan and why after a real build of the example chain included. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers.js';

test('README samples are real output (node scripts/readme-samples.mjs rewrites them)', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/readme-samples.mjs'), '--check'], { encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^\d+ samples: all as chain prints them/);
});

test.run();
