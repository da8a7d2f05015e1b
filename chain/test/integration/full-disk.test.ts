/**
 * A full disk under the state folder (a small tmpfs mounted on .chain, filled while a build runs):
 * one clear error and exit 3, no stack; nothing is current without its record; once there is
 * space again, the next run redoes what was not recorded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { StateStore } from '../../adapters/state.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, removeChainImages, removeDirs, runCli, spawnChain } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('full disk');
const { dir, name } = exampleChain('disk');
const state = path.join(dir, '.chain');
const filler = path.join(state, 'filler');

/** Writes until the tmpfs is full. */
function fill(): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(`${filler}${i}`, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw err;
    }
  }
}

it.before(() => {
  mkdirSync(state, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', state]);
});

it.after(async () => {
  execFileSync('umount', [state]);
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('the state folder fills up during a build: one clear line, exit 3, nothing current without its record; with space, the rerun repairs', async () => {
  const child = spawnChain(['build', '--json', '--verbose', '--jobs', '1'], dir);
  await child.waitFor(/corebuild: # built /, 120_000);
  fill();
  const { code, out, err } = await child.done;
  assert.is(code, 3, err);
  assert.not.match(err, /\n\s+at /, 'no stack trace');
  const summary = JSON.parse(out) as BuildSummary;
  assert.is(summary.stateUnwritable, true);
  const failed = summary.nodes.filter((n) => n.status === 'failed');
  assert.is(failed.length, 1, JSON.stringify(summary.nodes));
  assert.match(failed[0]?.error ?? '', /^cannot write .*\.chain\/.*: no space left on the device \(ENOSPC\)$/);
  assert.ok(summary.nodes.every((n) => ['built', 'failed', 'cancelled', 'blocked'].includes(n.status)));

  for (const f of execFileSync('ls', [state], { encoding: 'utf8' }).split('\n').filter((f) => f.startsWith('filler'))) rmSync(path.join(state, f));
  // Nothing without a durable record is current: every node that did not finish plans to build.
  const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, engine })).out) as Plan;
  for (const n of summary.nodes.filter((r) => r.status !== 'built')) assert.is(plan.nodes.find((p) => p.name === n.name)?.action, 'build', n.name);
  assert.not.ok(execFileSync('find', [state, '-name', '*.tmp'], { encoding: 'utf8' }).trim(), 'no temp file is left behind');

  const rerun = await runCli(['build', '--json'], { cwd: dir, engine });
  assert.is(rerun.code, 0, rerun.err);
  const again = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, engine })).out) as Plan;
  assert.is(again.summary.build, 0);
  for (const n of again.nodes.filter((p) => p.kind === 'built')) assert.ok(new StateStore(dir).readRecord(n.name), `record of ${n.name}`);
});

it.run();
