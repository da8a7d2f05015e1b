/**
 * Dockerfile readings remembered across runs (adapters/dockerfile-cache.ts): a remembered reading
 * is exactly readDockerfile's; a cache file that is malformed, foreign or tampered with into a
 * shape chain does not read is ignored; a plan of a chain whose Dockerfiles changed reads them
 * again; a chain that fails to load writes nothing; without a state folder nothing is written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileCache } from '../../adapters/dockerfile-cache.js';
import { readDockerfile } from '../../core/dockerfile.js';
import type { Plan } from '../../core/plan.js';
import { absentEngine, removeDirs, runCli, tempDir } from '../helpers.js';

const texts = [
  'FROM vendor/base:1 AS build\nARG A=1 B="two words"\nRUN make \\\n  all\nFROM build\nCOPY --from=tools /bin/x /x\nONBUILD RUN true\n',
  '# escape=`\nFROM base\nENV X=1 `\n  Y=2\n',
  'FROM scratch\nCOPY . /\n',
];
const dirs: string[] = [];
const cacheFile = (root: string) => path.join(root, '.chain', 'cache', 'dockerfiles.json');
/** A folder where chain has state already (as after a build). */
function stateful(): string {
  const root = tempDir('chain-dfcache-');
  dirs.push(root);
  mkdirSync(path.join(root, '.chain'));
  return root;
}

test('a remembered reading equals readDockerfile, in this run and the next; no state folder, no cache', () => {
  const fresh = tempDir('chain-dfcache-');
  dirs.push(fresh);
  assert.is(DockerfileCache.open(fresh), undefined, 'a fresh checkout stays read-only');
  const root = stateful();
  const first = DockerfileCache.open(root);
  assert.ok(first, 'the parser version is known');
  for (const t of texts) assert.equal(first.read(t), readDockerfile(t));
  first.save();
  assert.ok(existsSync(cacheFile(root)));
  const second = DockerfileCache.open(root) as DockerfileCache;
  for (const t of texts) assert.equal(second.read(t), readDockerfile(t));
  // Nothing new was read: nothing is written.
  const before = readFileSync(cacheFile(root), 'utf8');
  writeFileSync(cacheFile(root), before.replace(/"format":1/, '"format":1 '));
  second.save();
  assert.match(readFileSync(cacheFile(root), 'utf8'), /"format":1 /);
});

test('a malformed, foreign or reshaped cache file is not used', () => {
  const root = stateful();
  const seed = DockerfileCache.open(root) as DockerfileCache;
  seed.read(texts[0] as string);
  seed.save();
  const good = JSON.parse(readFileSync(cacheFile(root), 'utf8')) as { parser: string; entries: Record<string, { images: { ref: string; start: unknown }[] }> };
  const key = Object.keys(good.entries)[0] as string;
  const variants = [
    'not json',
    JSON.stringify({ ...good, parser: 'dockerfile-ast@0.0.0' }),
    JSON.stringify({ ...good, format: 99 }),
    JSON.stringify({ ...good, entries: { [key]: { ...good.entries[key], images: [{ ref: 'evil', start: 'x' }] } } }),
    JSON.stringify({ ...good, entries: { [key]: null } }),
  ];
  for (const v of variants) {
    writeFileSync(cacheFile(root), v);
    const cache = DockerfileCache.open(root) as DockerfileCache;
    assert.equal(cache.read(texts[0] as string), readDockerfile(texts[0] as string), v.slice(0, 40));
  }
});

test('an unwritable state folder is not an error', () => {
  const root = tempDir('chain-dfcache-');
  dirs.push(root);
  writeFileSync(path.join(root, '.chain'), 'a file where the folder would be');
  const cache = DockerfileCache.open(root) as DockerfileCache;
  assert.equal(cache.read(texts[1] as string), readDockerfile(texts[1] as string));
  cache.save();
});

test('plans read a changed Dockerfile again; a chain that fails to load writes no cache', async () => {
  const root = stateful();
  const engine = absentEngine();
  const chainYaml = 'version: 1\nname: c\nteams:\n  ops: { members: [ops@x.example] }\nnodes:\n  base:\n    tier: base\n    owner: ops\n    image: vendor/base:1\n  core:\n    tier: core\n    owner: ops\n    path: core\n    from: [base]\n';
  writeFileSync(path.join(root, 'chain.yaml'), chainYaml.replace('from: [base]', 'from: [nope]'));
  mkdirSync(path.join(root, 'core'));
  writeFileSync(path.join(root, 'core', 'Dockerfile'), 'FROM base\n');
  const refused = await runCli(['plan', '--json'], { cwd: root, engine });
  assert.is.not(refused.code, 0);
  assert.not.ok(existsSync(cacheFile(root)), 'a refused chain leaves no cache');

  writeFileSync(path.join(root, 'chain.yaml'), chainYaml);
  const plan = async () => JSON.parse((await runCli(['plan', '--json'], { cwd: root, engine })).out) as Plan;
  const first = await plan();
  assert.ok(existsSync(cacheFile(root)));
  assert.equal(await plan(), first, 'the remembered reading plans the same');
  // FROM an image the chain does not know: the new text is read, and refused, not served from the cache.
  writeFileSync(path.join(root, 'core', 'Dockerfile'), 'FROM vendor/other:2\n');
  const changed = await runCli(['plan', '--json'], { cwd: root, engine });
  assert.is.not(changed.code, 0);
  assert.match(changed.err, /vendor\/other:2/);
});

test.after(() => removeDirs(...dirs));

test.run();
