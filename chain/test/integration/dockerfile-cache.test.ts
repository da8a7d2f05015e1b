/**
 * A Dockerfile reading remembered in .chain/cache that is not what the Dockerfile says (something
 * other than chain wrote the file) never reaches a build: `chain build` reads the Dockerfile of
 * every node it builds again and refuses, before building anything. Real engine, real git.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { exampleChain, removeChainImages, removeDirs, runCli } from '../helpers.js';

const engine = new DockerEngine();
const { dir, name } = exampleChain('dfc');
const it = suite('Dockerfile readings cache');
const cacheFile = path.join(dir, '.chain', 'cache', 'dockerfiles.json');

it.after(async () => {
  await removeChainImages(engine, name);
  removeDirs(dir);
});

it('a tampered reading is refused by chain build (E_DOCKERFILE_CACHE, exit 3); without the cache the build runs', async () => {
  mkdirSync(path.join(dir, '.chain')); // the state folder of a chain built here before: readings are kept in it
  assert.is((await runCli(['plan', '--json'], { cwd: dir, engine })).code, 0);
  const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: Record<string, { instructions: { keyword: string }[] }> };
  // Every remembered reading now hides its RUN steps: the policies would check a Dockerfile that is not there.
  for (const info of Object.values(cache.entries)) info.instructions = info.instructions.filter((i) => i.keyword !== 'RUN');
  writeFileSync(cacheFile, JSON.stringify(cache));
  const refused = await runCli(['build', 'corebuild', '--json'], { cwd: dir, engine });
  assert.is(refused.code, 3, refused.err);
  assert.match(refused.err, /E_DOCKERFILE_CACHE/);
  assert.match(refused.err, /remove \.chain\/cache/);
  assert.is((await engine.imagesByTag(name)).size, 0, 'nothing was built');

  rmSync(path.join(dir, '.chain', 'cache'), { recursive: true });
  const built = await runCli(['build', 'corebuild', '--json'], { cwd: dir, engine });
  assert.is(built.code, 0, built.err);
});

it.run();
