/**
 * Team repositories against real git (a local bare repository) and the real engine: a node's
 * context fetched into the cache, pinned by commit, its commit in the image's provenance, and a
 * new commit picked up by chain update and rebuilt downstream.
 */
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Statement } from '../../provenance/types.js';
import { exampleChain, git, removeChainImages, removeDirs, runCli, tempDir } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain();
const it = suite('team repositories');
const bare = tempDir('chain-team-');
const work = tempDir('chain-team-work-');
const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
const lockOf = () => JSON.parse(readFileSync(path.join(dir, 'chain.lock'), 'utf8')) as { sources?: Record<string, { commit: string }> };

it.before(async () => {
  // The data team keeps the report job in its own repository.
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  cpSync(path.join(dir, 'layers/app/report'), work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '-A');
  git(work, '-c', 'user.email=data@acme.example', '-c', 'user.name=data', 'commit', '-qm', 'report job');
  git(work, 'push', '-q', bare, 'main');
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('path: layers/app/report', `source: { git: "${bare}", ref: main }`));
});

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir, bare, work);
});

it('chain update pins the team repository by commit; the build uses it and records the commit', async () => {
  const update = await cli('update');
  assert.is(update.code, 0, update.err);
  const commit = git(work, 'rev-parse', 'HEAD').trim();
  assert.is(lockOf().sources?.report?.commit, commit);
  const r = await cli('build', '--json');
  assert.is(r.code, 0, r.err);
  assert.is((JSON.parse(r.out) as BuildSummary).nodes.find((n) => n.name === 'report')?.status, 'built');
  const s = JSON.parse((await cli('provenance', 'report', '--json')).out) as Statement;
  const source = s.predicate.buildDefinition.resolvedDependencies?.find((d) => d.digest?.gitCommit);
  assert.equal([source?.uri, source?.digest?.gitCommit], [`git+${bare}@main:.`, commit]);
});

it("a team's new commit is picked up by chain update and rebuilt, and only that", async () => {
  appendFileSync(path.join(work, 'report.sh'), '# faster report\n');
  git(work, '-c', 'user.email=data@acme.example', '-c', 'user.name=data', 'commit', '-qam', 'faster');
  git(work, 'push', '-q', bare, 'main');
  const before = await cli('plan', '--json');
  assert.is((JSON.parse(before.out) as Plan).summary.build, 0, 'pinned: nothing moves until chain update');
  assert.is((await cli('update', '--check')).code, 1);
  assert.is((await cli('update')).code, 0);
  assert.is(lockOf().sources?.report?.commit, git(work, 'rev-parse', 'HEAD').trim());
  const plan = JSON.parse((await cli('plan', '--json')).out) as Plan;
  assert.equal(plan.nodes.filter((n) => n.action === 'build').map((n) => [n.name, n.reasons[0]?.kind]), [['report', 'files-changed']]);
  const r = await cli('build', '--json');
  assert.equal((JSON.parse(r.out) as BuildSummary).nodes.filter((n) => n.status === 'built').map((n) => n.name), ['report']);
});

it.run();
