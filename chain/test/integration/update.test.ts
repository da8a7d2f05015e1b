/**
 * chain.lock and chain update against the real engine: builds use the pins, a new vendor base
 * under the same tag is invisible until chain update finds it, then it cascades downstream.
 * The vendor tag that moves is this chain's own: the shared vendor/busybox:1.35 never moves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Statement } from '../../provenance/types.js';
import { exampleChain, git, ownVendorBase, removeChainImages, removeDirs, removeOwnVendorBase, runCli, shipFixedBase, VENDOR_BASE } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('chain update');
let base = ''; // this chain's own name for the vendor base
let original = '';
let fixed = '';

it.before(async () => {
  original = (await engine.inspect(VENDOR_BASE))?.id as string;
  base = await ownVendorBase(engine, dir, name);
  const r = await runCli(['build'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
});

it.after(async () => {
  await removeChainImages(engine, name);
  await removeOwnVendorBase(engine, base, fixed ? [fixed] : []);
  removeDirs(dir);
});

it('the committed chain.lock pins the example base, and update --check finds nothing to do', async () => {
  const lock = JSON.parse(readFileSync(path.join(dir, 'chain.lock'), 'utf8')) as { externals: Record<string, { digest: string; kind: string }> };
  assert.equal(lock.externals.busybox, { digest: original, image: base, kind: 'image-id' });
  const check = await runCli(['update', '--check'], { cwd: dir, engine });
  assert.is(check.code, 0, check.out);
  assert.match(check.out, /Every pin is current\./);
});

it('a new base under the same tag changes nothing until chain update finds it', async () => {
  fixed = await shipFixedBase(engine, original, base);
  const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, engine })).out) as Plan;
  assert.is(plan.summary.build, 0, 'builds use the pin, not the moved tag');
  const check = await runCli(['update', '--check', '--json'], { cwd: dir, engine });
  assert.is(check.code, 1);
  assert.equal((JSON.parse(check.out) as { drift: unknown[] }).drift, [{ kind: 'image', node: 'busybox', image: base, from: original, to: fixed, moved: true }]);
  assert.equal(git(dir, 'status', '--porcelain'), '', '--check writes nothing');
});

it('chain update re-pins it, and the plan cascades base-moved through every descendant', async () => {
  const r = await runCli(['update'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`busybox +${base.replace(/[.]/g, '\\.')} +[0-9a-f]{12} +[0-9a-f]{12} +moved`));
  assert.match(git(dir, 'diff', '--stat'), /chain\.lock/);
  const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, engine })).out) as Plan;
  const reasons = Object.fromEntries(plan.nodes.map((n) => [n.name, n.reasons]));
  assert.equal(reasons.corebuild, [{ kind: 'base-moved', parent: 'busybox', from: original, to: fixed }]);
  assert.is(plan.summary.build, 6);
  const built = await runCli(['build', '--json'], { cwd: dir, engine });
  assert.is(built.code, 0, built.err);
  assert.is((JSON.parse(built.out) as BuildSummary).counts.built, 6);
  const statement = JSON.parse((await runCli(['provenance', 'corebuild', '--json'], { cwd: dir, engine })).out) as Statement;
  const dep = statement.predicate.buildDefinition.resolvedDependencies?.find((d) => d.name === 'busybox');
  assert.is(`sha256:${dep?.digest?.sha256}`, fixed, 'built on the new base');
});

it.run();
