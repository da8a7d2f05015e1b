/** The labelled config of a classic build's image (adapters/engine-label.ts), from what the engine shows of the image. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labelledConfig, type HistoryItem, type InspectForConfig } from '../../adapters/engine-label.js';

const L = (n: number) => `sha256:${String(n).repeat(64)}`;
const IMAGE: InspectForConfig = {
  Id: `sha256:${'a'.repeat(64)}`,
  Created: '2026-11-23T18:21:07.702544494Z',
  Comment: '',
  Container: 'c0ffee',
  ContainerConfig: { Cmd: ['/bin/sh', '-c', '#(nop) COPY file:x in /app.txt '], Labels: { team: 'web' } },
  DockerVersion: '20.10.24',
  Author: '',
  Config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], User: '10001', Image: `sha256:${'b'.repeat(64)}`, Labels: { team: 'web', 'dev.chain.node': 'parent' } },
  Architecture: 'amd64',
  Os: 'linux',
  RootFS: { Type: 'layers', Layers: [L(1), L(2), L(3)] },
};
// Newest first, as the engine answers: ENV (empty), COPY (a layer), LABEL of the parent (empty), RUN (a layer), the base (a layer).
const HISTORY: HistoryItem[] = [
  { Created: 1795458067, CreatedBy: '/bin/sh -c #(nop) COPY file:x in /app.txt ', Size: 5 },
  { Created: 1795458066, CreatedBy: '/bin/sh -c #(nop)  ENV A=1', Size: 0 },
  { Created: 1795458044, CreatedBy: '/bin/sh -c #(nop)  LABEL team=web', Size: 0 },
  { Created: 1795458043, CreatedBy: '/bin/sh -c make', Size: 4 },
  { Created: 1767225600, CreatedBy: '', Comment: 'vendor base', Size: 1985570 },
];

test('the labels go over the image own, sorted; layers, Env, Cmd and User are kept; created is when it is labelled', () => {
  const config = labelledConfig(IMAGE, HISTORY, { 'dev.chain.node': 'app', 'org.opencontainers.image.title': 'app' }, [], '2026-11-24T08:00:00.5Z');
  assert.ok(config);
  assert.equal(config.config?.Labels, { 'dev.chain.node': 'app', 'org.opencontainers.image.title': 'app', team: 'web' });
  assert.equal(Object.keys(config.config?.Labels ?? {}), ['dev.chain.node', 'org.opencontainers.image.title', 'team']);
  assert.equal(config.config?.['Env'], ['PATH=/bin']);
  assert.is(config.config?.['User'], '10001');
  assert.is(config.config?.['Image'], IMAGE.Id, 'names the image it was made from, as a LABEL step would');
  assert.equal(config.rootfs, { type: 'layers', diff_ids: [L(1), L(2), L(3)] });
  assert.is(config['created'], '2026-11-24T08:00:00.5Z');
  assert.equal(config.container_config, IMAGE.ContainerConfig);
  assert.is(config['architecture'], 'amd64');
  assert.is(config['os'], 'linux');
  for (const key of ['author', 'comment', 'variant', 'os.version']) assert.not.ok(key in config, `${key}: empty, so left out as the engine does`);
});

test('history: oldest first, whole seconds, empty entries marked, one entry per layer otherwise', () => {
  const config = labelledConfig(IMAGE, HISTORY, {});
  assert.equal(config?.history, [
    { created: '2026-01-01T00:00:00Z', comment: 'vendor base' },
    { created: '2026-11-23T18:20:43Z', created_by: '/bin/sh -c make' },
    { created: '2026-11-23T18:20:44Z', created_by: '/bin/sh -c #(nop)  LABEL team=web', empty_layer: true },
    { created: '2026-11-23T18:21:06Z', created_by: '/bin/sh -c #(nop)  ENV A=1', empty_layer: true },
    { created: '2026-11-23T18:21:07Z', created_by: '/bin/sh -c #(nop) COPY file:x in /app.txt ' },
  ]);
});

test('zero-byte entries that all made layers (files removed) are layers', () => {
  const image = { ...IMAGE, RootFS: { Type: 'layers', Layers: [L(1), L(2)] } };
  const config = labelledConfig(image, [{ Created: 2, CreatedBy: '/bin/sh -c rm /x', Size: 0 }, { Created: 1, CreatedBy: '', Size: 10 }], {});
  assert.equal(config?.history?.map((h) => h['empty_layer'] ?? false), [false, false]);
});

test('a zero-byte WORKDIR or RUN is the layer the counts miss; ENV, USER, LABEL never are', () => {
  const image = { ...IMAGE, RootFS: { Type: 'layers', Layers: [L(1), L(2)] } };
  const history = [
    { Created: 4, CreatedBy: '/bin/sh -c #(nop)  USER 10001', Size: 0 },
    { Created: 3, CreatedBy: '/bin/sh -c #(nop) WORKDIR /srv', Size: 0 },
    { Created: 2, CreatedBy: 'ENV A=1', Comment: 'buildkit.dockerfile.v0', Size: 0 },
    { Created: 1, CreatedBy: '', Size: 10 },
  ];
  assert.equal(labelledConfig(image, history, {})?.history?.map((h) => h['empty_layer'] ?? false), [false, true, false, true]);
});

test('the images it was built on split the history: a zero-byte WORKDIR that made no layer below, a RUN that made one above', () => {
  const image = { ...IMAGE, RootFS: { Type: 'layers', Layers: [L(1), L(2)] } };
  const history = [
    { Created: 3, CreatedBy: '/bin/sh -c mkdir -p /var/www', Size: 0 },
    { Created: 2, CreatedBy: '/bin/sh -c #(nop) WORKDIR /srv', Size: 0 },
    { Created: 1, CreatedBy: '', Size: 10 },
  ];
  assert.is(labelledConfig(image, history, {}), undefined, 'alone, the counts do not tell');
  const config = labelledConfig(image, history, {}, [{ entries: 2, layers: 1 }]);
  assert.equal(config?.history?.map((h) => h['empty_layer'] ?? false), [false, true, false]);
  assert.is(labelledConfig(image, history, {}, [{ entries: 2, layers: 3 }]), undefined, 'a checkpoint the counts contradict');
});

test('when neither the instructions nor the counts say which zero-byte entries made layers, there is no config (the caller uses a LABEL step)', () => {
  const image = { ...IMAGE, RootFS: { Type: 'layers', Layers: [L(1), L(2)] } };
  const history = [
    { Created: 3, CreatedBy: '/bin/sh -c rm /x', Size: 0 },
    { Created: 2, CreatedBy: '/bin/sh -c true', Size: 0 },
    { Created: 1, CreatedBy: '', Size: 10 },
  ];
  assert.is(labelledConfig(image, history, {}), undefined);
  assert.is(labelledConfig({ ...IMAGE, RootFS: { Layers: [L(1)] } }, HISTORY, {}), undefined, 'more sized entries than layers');
});

test.run();
