/** Pure parts of the build engine: build ids, human tags, labels, records, reporters. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readDockerfile } from '../../core/dockerfile.js';
import { chainGraph } from '../../core/graph.js';
import { humanTags, type BuiltNode, type ChainConfig } from '../../core/model.js';
import type { NodeBuild } from '../../exec/build-types.js';
import { imageLabels } from '../../exec/labels.js';
import { newBuildId } from '../../exec/promote.js';
import { buildRecord } from '../../exec/record.js';
import { provenanceInput } from '../../exec/statement-input.js';
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

const WEB_MANIFEST = `sha256:${'1'.repeat(64)}`;
const SITE_MANIFEST = `sha256:${'2'.repeat(64)}`;

/** site is built FROM web (pushed, known by digest) and COPYs from the external tools image. */
function siteBuild(): NodeBuild {
  const node: BuiltNode = { kind: 'built', name: 'site', tier: 'app', owner: 'web', from: [{ node: 'web' }, { node: 'tools' }], path: 'site', dockerfile: 'Dockerfile', version: '2.0.0', args: { MODE: 'x', API_TOKEN: 's' }, secretArgs: [], test: [] };
  const config: ChainConfig = {
    root: '/repo', file: '/repo/chain.yaml', name: 'acme', teams: {}, tiers: [], concurrency: {}, admins: [], trustedKeys: [], registry: '127.0.0.1:5000/acme',
    nodes: {
      tools: { kind: 'external', name: 'tools', tier: 'base', owner: 'ops', from: [], image: 'host:5000/vendor/tools:1' },
      web: { ...node, name: 'web', from: [], version: '1.0.0' },
      site: node,
    },
  };
  const text = 'FROM tools AS t\nFROM web\nCOPY --from=t /x /x\n';
  return {
    node,
    plan: { name: 'site', tier: 'app', owner: 'web', kind: 'built', action: 'build', wave: 1, fingerprint: 'fpsite', reasons: [] },
    parents: { web: { id: 'sha256:webid', digest: `127.0.0.1:5000/acme/web@${WEB_MANIFEST}` }, tools: { id: 'sha256:toolsid' } },
    inputs: {
      config, dockerfiles: { site: { file: '/repo/site/Dockerfile', text, info: readDockerfile(text) } }, graph: chainGraph(config), snapshots: {},
      inputs: { site: { kind: 'built', files: { Dockerfile: '100644 aaa' }, dockerfile: 'Dockerfile', args: { MODE: 'h1', API_TOKEN: 'h2' }, version: '2.0.0' } },
      fingerprints: { web: 'fpweb0123456789', tools: 'fptools' }, tags: new Map(), gitHead: 'c0ffee',
    },
    provenance: { store: undefined as never, buildId: 'B', builder: { chain: '0.1.0' } },
  } as unknown as NodeBuild;
}

test('image labels: OCI annotations, the parent of the final stage as base, by manifest digest', () => {
  const labels = imageLabels(siteBuild());
  assert.is(labels['org.opencontainers.image.base.name'], 'acme/web:fp-fpweb0123456');
  assert.is(labels['org.opencontainers.image.base.digest'], WEB_MANIFEST);
  assert.is(labels['org.opencontainers.image.revision'], 'c0ffee');
  assert.is(labels['dev.chain.fingerprint'], 'fpsite');
});

test('build record: parents by digest where known, no secret args', () => {
  const record = buildRecord(siteBuild(), 'sha256:siteid');
  assert.equal(record.parents, { web: { fingerprint: 'fpweb0123456789', image: `127.0.0.1:5000/acme/web@${WEB_MANIFEST}` }, tools: { fingerprint: 'fptools', image: 'sha256:toolsid' } });
  assert.equal(record.args, { MODE: 'h1' });
});

test('provenance input: repositories and digests parsed from the pushed and parent references', () => {
  const input = provenanceInput(siteBuild(), { imageId: 'sha256:siteid', pushed: `127.0.0.1:5000/acme/site@${SITE_MANIFEST}`, startedOn: 'T0' });
  assert.is(input.repository, '127.0.0.1:5000/acme/site');
  assert.equal(input.image, { digest: SITE_MANIFEST, kind: 'manifest' });
  assert.equal(input.parents, [
    { node: 'web', repository: '127.0.0.1:5000/acme/web', image: { digest: WEB_MANIFEST, kind: 'manifest' }, external: false, base: true },
    { node: 'tools', repository: 'host:5000/vendor/tools', image: { digest: 'sha256:toolsid', kind: 'image-id' }, external: true, base: false },
  ]);
  assert.is(input.gitCommit, 'c0ffee');
  const local = provenanceInput(siteBuild(), { imageId: 'sha256:siteid', startedOn: 'T0' });
  assert.is(local.repository, 'acme/site');
  assert.equal(local.image, { digest: 'sha256:siteid', kind: 'image-id' });
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
