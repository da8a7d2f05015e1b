/** A base image the engine does not have. (The tests that need no engine are in unit/no-engine and unit/context.) */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { exampleRepo, removeDirs, runCli } from '../helpers.js';

test('a missing base image fails its children with one line, and blocks theirs (no hang)', async () => {
  const dir = exampleRepo();
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('image: vendor/busybox:1.35', 'image: vendor/never-made:1.0'));
  rmSync(path.join(dir, 'chain.lock'), { force: true });
  const r = await runCli(['build', '--json'], { cwd: dir, engine: new DockerEngine() });
  assert.is(r.code, 1, r.err);
  const summary = JSON.parse(r.out) as { nodes: { name: string; status: string; error?: string }[] };
  assert.is(summary.nodes.find((n) => n.name === 'corebuild')?.error, 'base image vendor/never-made:1.0 (node busybox) is not in the image store: make or pull it, or pin the one you have with chain update');
  assert.ok(summary.nodes.filter((n) => n.name !== 'corebuild').every((n) => n.status === 'blocked'));
  removeDirs(dir);
});

test.run();
