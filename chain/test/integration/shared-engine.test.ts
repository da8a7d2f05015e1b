/**
 * Runs that share an engine or a checkout never step on each other: two checkouts of one chain
 * (same name) build at once and neither removes the other's test containers; a build stopped
 * (SIGSTOP) for longer than a lock refresh keeps its lock, so a second build waits or refuses
 * instead of running beside it.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { exampleChain, git, removeChainImages, removeDirs, spawnChain, tempDir } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('runs sharing an engine');
let chain: { dir: string; name: string };
let other = '';

/** corebuild's tests in a checkout: a slow one first, so that a run is caught while it tests. */
function slowTests(dir: string, mark: string): void {
  const file = path.join(dir, 'layers/core/corebuild/layer.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^test:\n/m, `test:\n  - sleep 6 && echo ${mark}\n`));
  git(dir, 'commit', '-qam', `slow test ${mark}`);
}

it.before(async () => {
  await engine.ping();
  chain = exampleChain('shared');
  other = tempDir('chain-shared-other-');
  git(other, 'clone', '-q', chain.dir, '.');
  git(other, 'config', 'user.email', 'test@chain.example');
  git(other, 'config', 'user.name', 'chain test');
  slowTests(chain.dir, 'first');
  slowTests(other, 'second');
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(chain.dir, other);
});

it("two checkouts of one chain build at once: neither removes the other's test containers", async () => {
  const first = spawnChain(['build', 'corebuild', '--verbose'], chain.dir);
  await first.waitFor(/corebuild: # test 1\/\d+: sleep 6/, 120_000);
  const second = spawnChain(['build', 'corebuild', '--verbose'], other);
  const [a, b] = await Promise.all([first.done, second.done]);
  assert.is(a.code, 0, a.err);
  assert.is(b.code, 0, b.err);
  assert.match(a.err, /corebuild: first$/m);
  assert.match(b.err, /corebuild: second$/m);
});

it('a build stopped for longer than its lock refresh keeps its lock: a second build refuses, then runs once it is done', async () => {
  appendFileSync(path.join(chain.dir, 'layers/core/corebuild/etc/motd'), 'stopped\n');
  git(chain.dir, 'commit', '-qam', 'rebuild');
  const held = spawnChain(['build', 'corebuild', '--verbose'], chain.dir);
  await held.waitFor(/corebuild: # test 1\/\d+: sleep 6/, 120_000);
  held.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 14_000));
  const refused = await spawnChain(['build', 'corebuild', '--no-wait'], chain.dir).done;
  assert.is(refused.code, 3, refused.err);
  assert.match(refused.err, /^error\[E_LOCKED\]: another chain build is running on this chain \(pid \d+ on /m);
  const waiting = spawnChain(['build', 'corebuild'], chain.dir);
  await waiting.waitFor(/waiting for another chain build on this chain to finish/);
  held.kill('SIGCONT');
  const done = await held.done;
  assert.is(done.code, 0, done.err);
  const after = await waiting.done;
  assert.is(after.code, 0, after.err);
  assert.match(after.err + after.out, /Nothing to build/);
});

it.run();
