/**
 * A team member smuggling an undeclared image into a build, against the real engine and a
 * registry on loopback: a FROM hidden in a heredoc is refused before anything is built; and
 * should the checks and the builder ever read a Dockerfile differently again, the build itself is
 * caught: it pulled an image, or its image does not start with its declared base's layers.
 * Nothing is tagged, tested or pushed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planFile } from '../../app/plan-chain.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { StateStore } from '../../adapters/state.js';
import { DockerEngine } from '../../adapters/docker.js';
import { createDeps } from '../../cli/root.js';
import { ChainError } from '../../core/errors.js';
import type { BuiltNode } from '../../core/model.js';
import { buildNode } from '../../exec/build-node.js';
import { chainImages, exampleChain, git, removeChainImages, removeDirs, runCli, startRegistry, VENDOR_BASE, type TestRegistry } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('a hostile Dockerfile');
let chain: { dir: string; name: string };
let registry: TestRegistry;
let evil = '';

/** `site` built by buildNode itself, with its Dockerfile's text given one more line than the checks read. */
async function buildSiteWith(extraLine: string): Promise<unknown> {
  const deps = createDeps({ cwd: chain.dir, env: {}, out: () => undefined, err: () => undefined, engine });
  const { plan, world, state } = await planFile(deps, path.join(chain.dir, 'chain.yaml'), { targets: ['site'] });
  const site = world.loaded.dockerfiles.site;
  const httpd = plan.nodes.find((n) => n.name === 'httpd')?.image?.id;
  if (!site || !httpd) throw new Error('site is not read or httpd is not built');
  const dockerfiles = { ...world.loaded.dockerfiles, site: { ...site, text: `${site.text}\n${extraLine}\n` } };
  try {
    await buildNode({
      node: world.loaded.config.nodes.site as BuiltNode,
      plan: plan.nodes.find((n) => n.name === 'site') as never,
      parents: { httpd: { id: httpd } },
      localParents: async () => ({ httpd: { id: httpd } }),
      inputs: { config: world.loaded.config, dockerfiles, graph: world.graph, snapshots: world.snapshots, inputs: world.inputs, fingerprints: world.fingerprints },
      engine,
      state: state as StateStore,
      provenance: { store: new ProvenanceStore(chain.dir), buildId: 'test', builder: { chain: 'test' } },
      testTimeoutMs: 30_000,
      onLine: () => undefined,
      onStep: () => undefined,
      onTested: () => undefined,
    });
    return 'built';
  } catch (err) {
    return err instanceof ChainError ? err.code : err;
  }
}

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  chain = exampleChain('insider');
  // An image of the attacker's, in a registry the engine can reach.
  evil = `${registry.host}/evil-${process.pid}/payload`;
  await engine.tag((await engine.inspect(VENDOR_BASE))?.id as string, evil, '1');
  await engine.push(evil, '1');
  await engine.docker.getImage(`${evil}:1`).remove();
  assert.is((await runCli(['build', 'httpd'], { cwd: chain.dir, engine })).code, 0);
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  await engine.docker.getImage(`${evil}:1`).remove({ force: true }).catch(() => undefined);
  removeDirs(chain.dir);
  await registry.stop();
});

it('a FROM smuggled in a heredoc is refused at its line: nothing is built, nothing pulled', async () => {
  const file = path.join(chain.dir, 'layers/app/site/Dockerfile');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, `${original}RUN <<CMD\nFROM ${evil}:1\nCMD\n`);
  git(chain.dir, 'commit', '-qam', 'smuggled');
  try {
    const r = await runCli(['build', 'site'], { cwd: chain.dir, engine });
    assert.is(r.code, 2, r.err);
    assert.match(r.err, /^error\[E_DOCKERFILE_CONSTRUCT\]: node site: RUN uses a heredoc \(<<CMD\)/m);
    assert.match(r.err, new RegExp(`--> layers/app/site/Dockerfile:${original.split('\n').length}:1`));
    assert.is(await engine.inspect(`${evil}:1`), undefined, 'the image was not pulled');
    assert.not.ok((await chainImages(engine, chain.name)).some((i) => i.Labels?.['dev.chain.node'] === 'site'), 'no site image');
  } finally {
    writeFileSync(file, original);
    git(chain.dir, 'commit', '-qam', 'back');
  }
});

it('a build that pulls an image fails, and a build not on its declared base fails, before any tag or push', async () => {
  assert.is(await buildSiteWith(`FROM ${evil}:1`), 'E_BUILD_PULLED');
  assert.ok(await engine.inspect(`${evil}:1`), 'the engine did pull it: the build saw it');
  // Now present, the image is not pulled again: the layers show the build is not on httpd.
  assert.is(await buildSiteWith(`FROM ${evil}:1`), 'E_BASE_MISMATCH');
  assert.not.ok((await chainImages(engine, chain.name)).some((i) => (i.RepoTags ?? []).some((t) => t.startsWith(`${chain.name}/site:`))), 'site got no tag');
  assert.is(await buildSiteWith('LABEL harmless=yes'), 'built', 'the same path builds an honest Dockerfile');
});

it.run();
