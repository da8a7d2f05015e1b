/**
 * Honest source facts: provenance names a commit only when the context is exactly that commit; a
 * build from uncommitted files (modified, staged or new) says so, and --require-clean refuses it.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Statement } from '../../provenance/types.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('source facts');
const { dir, name } = exampleChain('facts');
const statement = async (node: string) => JSON.parse((await runCli(['provenance', node, '--json'], { cwd: dir, engine })).out) as Statement;
const contextOf = (s: Statement) => s.predicate.buildDefinition.resolvedDependencies?.find((d) => d.name === 'context');

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('a clean tree: the context is named by its commit, and the image carries it as its revision', async () => {
  const r = await runCli(['build', 'corebuild', '--require-clean'], { cwd: dir, engine });
  assert.is(r.code, 0, r.err);
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  assert.equal(contextOf(await statement('corebuild'))?.digest, { gitCommit: head });
  assert.is((await engine.inspect(`${name}/corebuild:1.0.0`))?.labels['org.opencontainers.image.revision'], head);
});

it('uncommitted files: --require-clean refuses and builds nothing; a build says which files and claims no commit', async () => {
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  appendFileSync(path.join(dir, 'layers/core/corebuild/etc/motd'), 'not committed\n');
  writeFileSync(path.join(dir, 'layers/core/corebuild/NOTES'), 'a new file, never added\n');
  git(dir, 'add', 'layers/core/corebuild/etc/motd'); // staged is not committed either
  const refused = await runCli(['build', 'corebuild', '--require-clean'], { cwd: dir, engine });
  assert.is(refused.code, 2);
  assert.match(refused.err, /^error\[E_UNCOMMITTED\]: corebuild: --require-clean, but its context has uncommitted files: NOTES, etc\/motd$/m);
  assert.is(refused.out, '');
  assert.match(refused.err, /^warning: chain\.yaml trusts signing keys \(trustedKeys\), but this build is unsigned \(no --sign-key\)/m);
  const plan = JSON.parse((await runCli(['plan', 'corebuild', '--json'], { cwd: dir, engine })).out) as { nodes: { name: string; action: string }[] };
  assert.is(plan.nodes.find((n) => n.name === 'corebuild')?.action, 'build', 'nothing was built');

  const built = await runCli(['build', 'corebuild'], { cwd: dir, engine });
  assert.is(built.code, 0, built.err);
  const s = await statement('corebuild');
  const context = contextOf(s);
  assert.is(context?.digest, undefined, 'no commit claimed for a context that is not that commit');
  assert.equal(context?.annotations, { uncommitted: true, files: ['NOTES', 'etc/motd'], baseCommit: head });
  assert.equal((s.predicate.buildDefinition.externalParameters as { uncommitted?: string[] }).uncommitted, ['NOTES', 'etc/motd']);
  assert.is((await engine.inspect(`${name}/corebuild:1.0.0`))?.labels['org.opencontainers.image.revision'], undefined);
});

it.run();
