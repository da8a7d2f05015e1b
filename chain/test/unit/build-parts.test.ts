/** Pure parts of the build engine: build ids, human tags, reporters. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { humanTags } from '../../core/model.js';
import { newBuildId } from '../../exec/promote.js';
import type { NodeResult } from '../../exec/events.js';
import { liveReporter } from '../../cli/reporters/live.js';
import { plainReporter } from '../../cli/reporters/plain.js';

test('build ids sort by time and make valid tags', () => {
  const id = newBuildId(new Date('2026-11-22T14:03:09.123Z'), () => 0.5);
  assert.is(id, '20261122.140309.8000');
  assert.match(`1.0.0-${id}`, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
});

test('human tags: version and version-buildid, never latest', () => {
  assert.equal(humanTags('1.2.0', 'B'), ['1.2.0', '1.2.0-B']);
  assert.equal(humanTags(undefined, 'B'), ['build-B']);
});

const built: NodeResult = { name: 'core', owner: 'ops', status: 'built', imageId: 'sha256:0123456789abcdef', tags: [], durationMs: 1500 };
const failed: NodeResult = { name: 'web', owner: 'mw', status: 'failed', tags: [], durationMs: 10, error: 'test 1 exited 3: false' };
const blocked: NodeResult = { name: 'site', owner: 'web', status: 'blocked', tags: [], durationMs: 0, blockedBy: 'web' };

test('plain reporter: one timestamped line per event, log lines only when verbose, no escapes', () => {
  const lines: string[] = [];
  const r = plainReporter((l) => lines.push(l), { now: () => new Date('2026-11-22T10:00:00Z') });
  r.onEvent({ type: 'started', node: 'core' });
  r.onEvent({ type: 'step', node: 'core', step: 'Step 1/3 : FROM sha256:abc' });
  r.onEvent({ type: 'log', node: 'core', line: 'raw output' });
  r.onEvent({ type: 'tested', node: 'core', passed: 2 });
  r.onEvent({ type: 'succeeded', node: 'core', result: built });
  r.onEvent({ type: 'failed', node: 'web', result: failed });
  r.onEvent({ type: 'blocked', node: 'site', result: blocked });
  assert.equal(lines, [
    '10:00:00 core: started',
    '10:00:00 core: Step 1/3 : FROM sha256:abc',
    '10:00:00 core: 2 tests passed',
    '10:00:00 core: built 0123456789ab in 1.5s',
    '10:00:00 web: failed: test 1 exited 3: false',
    '10:00:00 site: blocked by web',
  ]);
  assert.ok(lines.every((l) => !l.includes('\u001b')));
});

test('live reporter: a line per running node with step and time, a running count, finished nodes scroll above', () => {
  let out = '';
  let clock = 0;
  const r = liveReporter((t) => (out += t), { total: 3, columns: () => 60, now: () => clock });
  r.onEvent({ type: 'started', node: 'core' });
  clock = 2500;
  r.onEvent({ type: 'step', node: 'core', step: 'Step 4/8 : RUN make install' });
  const screen = out.split('\u001b[2A\u001b[0J').at(-1) ?? '';
  assert.match(screen, /core {2}2\.5s {2}Step 4\/8 : RUN make install\n/);
  assert.match(screen, /built 0 · up to date 0 · failed 0 · blocked 0 · to go 3\n$/);
  r.onEvent({ type: 'succeeded', node: 'core', result: built });
  assert.match(out, /✔.* core {2}built 0123456789ab in 1\.5s\n/);
  assert.match(out, /built 1 · up to date 0 · failed 0 · blocked 0 · to go 2\n$/);
  r.close();
  assert.ok(out.endsWith('\u001b[1A\u001b[0J'), 'the live region is cleared at the end');
});

test.run();
