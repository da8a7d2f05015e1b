/**
 * Image tests run the team's commands in the image just built, so they are bounded like any
 * untrusted job: a fork bomb meets a process limit, a memory hog the memory limit (and chain says
 * so), and a flood of output is capped so that chain's own memory stays bounded; the container
 * goes whatever happens. On the real engine.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import type { BuildSummary } from '../../exec/events.js';
import { exampleChain, git, jsonOf, removeChainImages, removeDirs, spawnChain } from '../helpers.js';

const engine = new DockerEngine();
const it = suite('image tests are bounded');
let chain: { dir: string; name: string };
const layerFile = () => path.join(chain.dir, 'layers/core/corebuild/layer.yaml');
let layer = '';

/** corebuild's tests (and limits) replaced, then `chain build corebuild` in its own process. */
async function buildCore(tests: string[], limits: string, env: Record<string, string> = {}) {
  writeFileSync(layerFile(), `${layer.replace(/^test:\n(  - .*\n)+/m, '')}${limits}test:\n${tests.map((t) => `  - ${JSON.stringify(t)}\n`).join('')}`);
  git(chain.dir, 'commit', '-qam', 'tests');
  const run = await spawnChain(['build', 'corebuild', '--json', '--test-timeout', '60'], chain.dir, env).done;
  const summary = jsonOf<BuildSummary>(run);
  const core = summary.nodes.find((n) => n.name === 'corebuild');
  return { run, core, log: readFileSync(path.join(chain.dir, '.chain/logs/corebuild.log'), 'utf8') };
}

/** The test containers of this chain that are still there. */
const leftovers = async () => (await engine.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.chain.chain=${chain.name}`] }) })).length;

it.before(async () => {
  await engine.ping();
  chain = exampleChain('limits');
  layer = readFileSync(layerFile(), 'utf8');
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  removeDirs(chain.dir);
});

it('processes, memory and CPU are limited as layer.yaml says; a fork bomb stops at the process limit', async () => {
  const read = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`;
  const { run, core, log } = await buildCore(
    [
      `echo pids=$(${read('pids/pids.max', 'pids.max')})`,
      `echo memory=$(${read('memory/memory.limit_in_bytes', 'memory.max')})`,
      `echo cpu=$(${read('cpu/cpu.cfs_quota_us', 'cpu.max')})`,
      'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; wait',
    ],
    'testLimits: { memory: 64m, pids: 32, cpus: 0.5 }\n',
  );
  assert.is(run.code, 1, run.err);
  assert.match(log, /^pids=32$/m);
  assert.match(log, /^memory=67108864$/m);
  assert.match(log, /^cpu=50000( 100000)?$/m);
  assert.match(log, /can't fork/);
  assert.match(core?.error ?? '', /^test 4 exited \d+/);
  assert.is(await leftovers(), 0, 'the containers are gone');
});

it('a test that passes its memory limit fails, and chain says it ran out of memory', async () => {
  const { run, core } = await buildCore(['dd if=/dev/zero of=/dev/null bs=64M count=1'], 'testLimits: { memory: 16m }\n');
  assert.is(run.code, 1, run.err);
  assert.match(core?.error ?? '', /^test 1 ran out of memory \(limit 16m; testLimits\.memory in layer\.yaml sets it\)/);
  assert.is(await leftovers(), 0);
});

it('a flood of output in one line is capped: chain stays within a small heap, the log keeps the tail', async () => {
  const { run, core, log } = await buildCore(["head -c 200m /dev/zero | tr '\\0' a; echo; echo the-end"], '', { NODE_OPTIONS: '--max-old-space-size=96' });
  assert.is(run.code, 0, run.err.slice(-2000));
  assert.is(core?.status, 'built');
  assert.match(log, /^# \.\.\. \d+ lines \(\d+\.\d MiB\) of test output left out: past 4\.0 MiB, only the last 100 lines are kept$/m);
  assert.match(log, /^the-end$/m);
  assert.ok(statSync(path.join(chain.dir, '.chain/logs/corebuild.log')).size < 8 * 1024 ** 2, 'the log stays small');
  assert.is(await leftovers(), 0);
});

it.run();
