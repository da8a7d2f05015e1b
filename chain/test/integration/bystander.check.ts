/**
 * Run by scripts/test after the integration tier (see bystander.ts): the tests left alone what
 * they did not make on the shared engine. CHAIN_BYSTANDERS names the state file `start` wrote.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { VENDOR_BASE } from '../helpers.js';
import { chainImageLines, type Bystanders } from './bystander.js';

const engine = new DockerEngine();
const stateFile = process.env.CHAIN_BYSTANDERS ?? '';
const state = (): Bystanders => {
  const s = JSON.parse(readFileSync(stateFile, 'utf8')) as Bystanders;
  assert.ok(s.container && s.images.length > 0, `the bystanders were not all started: ${JSON.stringify(s)}`);
  return s;
};

test('an unrelated container started before the integration tier is still running', async () => {
  const { container } = state();
  const info = await engine.docker.getContainer(container).inspect().catch(() => undefined);
  assert.ok(info, `container ${container.slice(0, 12)} is gone`);
  assert.is(info.State.Running, true, `container ${container.slice(0, 12)} is ${info.State.Status}`);
});

test("another chain's images built before the integration tier are all still there, under the same tags", async () => {
  const { chain, images } = state();
  assert.equal(await chainImageLines(engine, chain), images);
});

test('the shared vendor base tag still points at the image it did', async () => {
  const { vendorBase } = state();
  assert.is((await engine.inspect(VENDOR_BASE))?.id, vendorBase);
});

test.run();
