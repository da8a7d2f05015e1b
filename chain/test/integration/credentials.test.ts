/**
 * Credentials that only a credential helper holds (config.json with credsStore or credHelpers
 * and no auths), against Debian's docker-registry behind htpasswd and the real engine: the right
 * ones push, wrong ones are refused with exit 4.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChainOn, removeChainImages, removeDirs, runCli, startRegistry, tempDir, type TestRegistry, versionTags } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('credentials');
let secured: TestRegistry;
let chain: { dir: string; name: string };
const bin = tempDir('chain-helpers-');
const asked = path.join(bin, 'asked');
const configs: string[] = [];

/** docker-credential-<suffix>: notes the server URL it is asked about, answers with these credentials. */
function helper(suffix: string, password: string): void {
  const file = path.join(bin, `docker-credential-${suffix}`);
  writeFileSync(file, `#!/bin/sh\nurl=$(cat)\necho "$1 $url" >> '${asked}'\nprintf '{"ServerURL":"%s","Username":"ci","Secret":"${password}"}' "$url"\n`);
  chmodSync(file, 0o755);
}

/** The env chain runs in: a Docker configuration with no auths, and the helpers on PATH. */
function helperEnv(config: object): Record<string, string> {
  const dir = tempDir('chain-docker-config-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  configs.push(dir);
  return { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}

it.before(async () => {
  await engine.ping();
  secured = await startRegistry({ user: 'ci', password: 'right-password' });
  helper('chain-right', 'right-password');
  helper('chain-wrong', 'wrong-password');
  chain = exampleChainOn(secured.host);
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(chain.dir, bin, ...configs);
  await secured.stop();
});

it('wrong credentials from credsStore: refused, exit 4, nothing promoted, no secret printed', async () => {
  const r = await runCli(['build', '--push'], { cwd: chain.dir, engine, env: helperEnv({ credsStore: 'chain-wrong' }) });
  assert.is(r.code, 4, r.err);
  assert.match(r.err, new RegExp(`error\\[E_REGISTRY_AUTH\\]: the registry ${secured.host.replace(/\./g, '\\.')} refused the credentials \\(HTTP 401\\)`));
  assert.not.ok(`${r.out}${r.err}`.includes('wrong-password'), 'credentials never printed');
  assert.equal(await versionTags(engine, chain.name), {});
  // Asked once (chain keeps the answer per host), with the host as config.json writes it.
  assert.equal(readFileSync(asked, 'utf8').trim().split('\n'), [`get ${secured.host}`]);
});

it('the right credentials from credHelpers (over a wrong credsStore): build --push publishes the chain', async () => {
  writeFileSync(asked, '');
  const env = helperEnv({ credHelpers: { [secured.host]: 'chain-right' }, credsStore: 'chain-wrong' });
  const r = await runCli(['build', '--push', '--json'], { cwd: chain.dir, engine, env });
  assert.is(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as BuildSummary;
  assert.is(summary.counts.built, 6);
  const site = summary.nodes.find((n) => n.name === 'site');
  assert.match(site?.digest ?? '', new RegExp(`^${secured.host}/${chain.name}/site@sha256:[0-9a-f]{64}$`));
  assert.not.ok(`${r.out}${r.err}`.includes('right-password'), 'credentials never printed');
  assert.not.ok(readFileSync(path.join(chain.dir, '.chain/logs/site.log'), 'utf8').includes('right-password'), 'credentials never logged');
  assert.equal(readFileSync(asked, 'utf8').trim().split('\n'), [`get ${secured.host}`], 'only the host helper was asked, once');
  // The registry holds the tags: asked with the same credentials, by hand.
  const authorization = `Basic ${Buffer.from('ci:right-password').toString('base64')}`;
  const tags = (await (await fetch(`http://${secured.host}/v2/${chain.name}/site/tags/list`, { headers: { authorization } })).json()) as { tags: string[] };
  assert.ok(tags.tags.includes('1.0.0'), tags.tags.join(' '));
});

it.run();
