/** No Docker Engine to reach (a socket that does not exist): plan goes on without it, build stops with one line. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { absentEngine, exampleRepo, removeDirs, runCli } from '../helpers.js';

const dead = absentEngine();

test('plan with no engine says so once and plans as if no image existed', async () => {
  const dir = exampleRepo();
  const r = await runCli(['plan'], { cwd: dir, engine: dead });
  assert.is(r.code, 0, r.err);
  assert.is(r.err.split('\n').filter((l) => l.includes('cannot reach the Docker Engine')).length, 1, r.err);
  assert.ok(r.out.includes('6 to build, 0 up to date'), r.out);
  const json = await runCli(['plan', '--json'], { cwd: dir, engine: dead });
  assert.is((JSON.parse(json.out) as { storeReachable: boolean }).storeReachable, false);
  removeDirs(dir);
});

test('build with no engine: one clear line, exit 3, no stack trace', async () => {
  const dir = exampleRepo();
  const r = await runCli(['build'], { cwd: dir, engine: dead });
  assert.is(r.code, 3);
  assert.ok(r.err.includes('error[E_ENGINE_UNREACHABLE]'), r.err);
  assert.ok(r.err.includes('hint: '), r.err);
  assert.not.match(r.err, /\n\s+at /);
  removeDirs(dir);
});

test.run();
