/**
 * `chain ci --format gitlab` run for real by gitlab-ci-local, one shell-isolated copy of the
 * repository per job (as separate runners would have), against the real engine and a registry on
 * loopback: every node is built exactly once, by its own job, on what its parents' jobs published;
 * and a fresh clone then plans nothing.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import { exampleChainOn, git, removeChainImages, removeDirs, repoRoot, runCli, startRegistry, tempDir, type TestRegistry } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('chain ci: a GitLab pipeline run by gitlab-ci-local');
const BUILT = ['corebuild', 'docs', 'httpd', 'report', 'runtime', 'site'];
let registry: TestRegistry;
let chain: { dir: string; name: string };
const dirs: string[] = [];
let keys = '';

/** gitlab-ci-local in the chain's repository; resolves with its exit code and output. */
function gitlabCiLocal(cwd: string, variables: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const bin = path.join(repoRoot, 'node_modules/.bin/gitlab-ci-local');
  const vars = Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
  const child = spawn(bin, ['--shell-isolation', '--concurrency', '2', '--no-color', '--max-job-name-padding', '0', ...vars], { cwd, env: { ...process.env, CI: 'true' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: stripVTControlCharacters(out) })));
}

/** The tags a repository holds in the registry. */
async function registryTags(repository: string): Promise<string[]> {
  const r = await fetch(`http://${registry.host}/v2/${repository}/tags/list`);
  return r.ok ? (((await r.json()) as { tags: string[] | null }).tags ?? []) : [];
}

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  chain = exampleChainOn(registry.host, 'glci');
  dirs.push(chain.dir);
  // The signing key stays outside the repository, as a CI secret would (a File variable).
  keys = tempDir('chain-glci-keys-');
  dirs.push(keys);
  assert.is((await runCli(['keys', 'generate', '--out', keys, '--name', 'ops-release'], { cwd: chain.dir })).code, 0);
  mkdirSync(path.join(chain.dir, 'keys'), { recursive: true });
  copyFileSync(path.join(keys, 'ops-release.pub'), path.join(chain.dir, 'keys/ops-release.pub'));
  git(chain.dir, 'add', 'keys/ops-release.pub');
  git(chain.dir, 'commit', '-qm', 'the trusted key');
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(...dirs);
  await registry.stop();
});

it('one job per node, each built once on its parents as published; a fresh clone plans nothing', async () => {
  const ci = await runCli(['ci', '--format', 'gitlab', '--chain-command', `node ${path.join(repoRoot, 'dist/chain.mjs')}`, '--chain-args=--sign-key "$CHAIN_SIGN_KEY"'], { cwd: chain.dir, engine });
  assert.is(ci.code, 0, ci.err);
  writeFileSync(path.join(chain.dir, '.gitlab-ci.yml'), ci.out);
  writeFileSync(path.join(chain.dir, '.gitignore'), '.gitlab-ci-local/\n.chain/\n');
  git(chain.dir, 'add', '.gitlab-ci.yml', '.gitignore');
  git(chain.dir, 'commit', '-qm', 'the pipeline chain ci wrote');

  const run = await gitlabCiLocal(chain.dir, { CHAIN_SIGN_KEY: path.join(keys, 'ops-release.key') });
  assert.is(run.code, 0, run.out);
  for (const node of BUILT) assert.match(run.out, new RegExp(`^ PASS +${node.replace('.', '\\.')}$`, 'm'), run.out);
  // Each job built exactly its node (nothing else, no ancestor again), in its own copy of the repository.
  const summaries = run.out.split('\n').filter((l) => /> built \d+, up to date \d+, failed \d+/.test(l));
  assert.is(summaries.length, BUILT.length, summaries.join('\n'));
  for (const line of summaries) assert.match(line, /> built 1, up to date \d+, failed 0/);
  for (const node of BUILT) {
    assert.match(run.out, new RegExp(`^${node}\\s*\\$ .*build ${node} --only --push --sign-key "\\$\\{CHAIN_SIGN_KEY\\}"$`, 'm'));
    assert.match(run.out, new RegExp(`^${node}\\s*> built\\s+${node}\\s`, 'm'), `${node}'s job built ${node}`);
  }
  // One image per node under its fingerprint in the registry, with its attestation beside it.
  for (const node of BUILT) {
    const tags = await registryTags(`${chain.name}/${node}`);
    assert.is(tags.filter((t) => t.startsWith('fp-')).length, 1, `${node}: ${tags.join(' ')}`);
    assert.is(tags.filter((t) => t.endsWith('.att')).length, 1, `${node}: ${tags.join(' ')}`);
  }

  const fresh = tempDir('chain-glci-fresh-');
  dirs.push(fresh);
  git(fresh, 'clone', '-q', chain.dir, '.');
  const planned = await runCli(['plan', '--json'], { cwd: fresh, engine });
  assert.is(planned.code, 0, planned.err);
  const plan = JSON.parse(planned.out) as Plan;
  assert.is(plan.summary.build, 0, JSON.stringify(plan.nodes.map((n) => [n.name, n.action, n.reasons])));
  const again = await runCli(['ci', '--format', 'gitlab'], { cwd: fresh, engine });
  assert.is(again.code, 0, again.err);
  for (const node of BUILT) assert.not.match(again.out, new RegExp(`build ${node} --only`));
  // Custody from the registry alone: each image signed by the trusted key, down to its base.
  for (const node of BUILT) {
    const verified = await runCli(['verify', node], { cwd: fresh, engine });
    assert.is(verified.code, 0, `${node}: ${verified.out}${verified.err}`);
  }
});

it.run();
