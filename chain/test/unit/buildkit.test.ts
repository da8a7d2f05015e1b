/**
 * The BuildKit path's pure parts: a recorded /build stream decoded into log lines, the failed
 * step and its Dockerfile line; the session's headers; the Dockerfile checks per builder; the
 * fingerprint's builder input; secret redaction.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kitResult } from '../../adapters/buildkit/build.js';
import { parentRef } from '../../adapters/buildkit/parent-refs.js';
import { SESSION_METHODS, sessionHeaders } from '../../adapters/buildkit/session.js';
import { decodeTrace, stepText, TraceReader } from '../../adapters/buildkit/trace.js';
import type { ProgressEvent } from '../../adapters/engine-calls.js';
import { secretFile } from '../../adapters/secret-values.js';
import { readDockerfile } from '../../core/dockerfile.js';
import { builderHazards } from '../../core/dockerfile-classic.js';
import { canonicalJson, nodeFingerprint, sha256 } from '../../core/fingerprint.js';
import type { BuiltInputs } from '../../core/inputs.js';
import { redactor } from '../../exec/build-node.js';
import { describeFailure } from '../../exec/failed-step.js';
import { fixturesDir } from '../helpers.js';

const recorded = JSON.parse(readFileSync(path.join(fixturesDir, 'buildkit/failed-run.json'), 'utf8')) as { dockerfile: string; events: (ProgressEvent & { id?: string; aux?: unknown })[] };

function replay(): { lines: string[]; reader: TraceReader } {
  const reader = new TraceReader(10);
  const lines: string[] = [];
  for (const event of recorded.events) if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') lines.push(...reader.feed(decodeTrace(event.aux)));
  lines.push(...reader.end());
  return { lines, reader };
}

test('a recorded trace decodes into step names and their output, in order, each step once', () => {
  const { lines } = replay();
  const steps = lines.filter((l) => stepText(l) !== undefined);
  assert.equal(steps.map((s) => s.replace(/building-\d+/, 'building-N')), ['[1/3] FROM docker.io/probe-local/base:x', '[2/3] RUN echo building-N', '[3/3] RUN echo one &&     echo two >&2 && exit 3']);
  const failing = lines.indexOf(steps[2] as string);
  assert.equal(lines.slice(failing + 1, failing + 3).sort(), ['one', 'two']);
  assert.ok(lines.some((l) => l.startsWith('ERROR: executor failed running')));
});

test('the failure is read from the stream and the failed vertex: the step, its last lines, its Dockerfile line', () => {
  const { reader } = replay();
  const result = kitResult(recorded.events, reader);
  assert.ok('error' in result);
  if (!('error' in result)) return;
  assert.is(result.error, 'executor failed running [/bin/sh -c echo one &&     echo two >&2 && exit 3]: exit code: 3');
  assert.is(result.step?.text, 'RUN echo one &&     echo two >&2 && exit 3');
  assert.equal([...(result.step?.output ?? [])].sort(), ['one', 'two']);
  const dockerfile = { file: '/c/layers/x/Dockerfile', text: recorded.dockerfile, info: readDockerfile(recorded.dockerfile) };
  const failure = describeFailure(result.error, { index: 0, text: result.step?.text ?? '', output: result.step?.output ?? [] }, dockerfile, '/c');
  assert.is(failure.error, 'layers/x/Dockerfile:3: RUN exited with code 3');
  assert.is(failure.failedStep?.line, 3);
  // Flags are no part of the parser's arguments: a RUN with mounts is found all the same.
  const two = 'FROM base\nRUN --mount=type=cache,target=/c make\nRUN --mount=type=secret,id=t make \\\n  install\n';
  const step = { index: 0, text: 'RUN --mount=type=secret,id=t make   install', output: [] };
  assert.is(describeFailure('executor failed running [/bin/sh -c make   install]: exit code: 2', step, { file: '/c/D', text: two, info: readDockerfile(two) }, '/c').error, 'D:3: RUN exited with code 2');
});

test('a build that succeeds gives the image ID of its moby.image.id event; a failed vertex alone is a failure', () => {
  const ok = kitResult([{ aux: 'Cm8K' } as unknown as ProgressEvent, { aux: { ID: 'sha256:abc' } }], { failed: () => undefined });
  assert.equal(ok, { id: 'sha256:abc' });
  const vertex = kitResult([{ aux: { ID: 'sha256:abc' } }], { failed: () => ({ text: 'RUN x', name: '[2/2] RUN x', output: [], error: 'boom' }) });
  assert.equal(vertex, { error: 'boom', step: { text: 'RUN x', name: '[2/2] RUN x', output: [], error: 'boom' } });
});

test('the session announces what it serves: auth, secrets, health', () => {
  const headers = sessionHeaders('id-1', 'chain', 'key');
  assert.is(headers['X-Docker-Expose-Session-Uuid'], 'id-1');
  assert.is(headers.Upgrade, 'h2c');
  assert.equal(headers['X-Docker-Expose-Session-Grpc-Method'], [...SESSION_METHODS]);
  assert.ok(SESSION_METHODS.includes('/moby.buildkit.secrets.v1.Secrets/GetSecret'));
  assert.is(parentRef('acme', 'httpd', 'run-1'), 'chain-parent-acme/httpd:run-1');
});

test('Dockerfile checks per builder: --mount needs BuildKit, heredocs and # syntax= are refused under both', () => {
  const text = '# syntax=docker/dockerfile:1.4\nFROM base\nRUN --mount=type=secret,id=npmrc cat /run/secrets/npmrc\nRUN --mount=type=cache,target=/c true\nRUN <<EOF\necho\nEOF\n';
  const info = readDockerfile(text);
  const kit = builderHazards(text, info, 'buildkit');
  assert.equal(kit.map((h) => [h.line, h.code ?? 'E_DOCKERFILE_CONSTRUCT']), [[1, 'E_DOCKERFILE_SYNTAX'], [5, 'E_DOCKERFILE_CONSTRUCT']]);
  assert.match(kit[0]?.message ?? '', /names a Dockerfile frontend to pull, and chain never pulls one: it builds with the engine's built-in BuildKit/);
  const classic = builderHazards(text, info, 'classic');
  assert.equal(classic.map((h) => h.line), [1, 3, 4, 5]);
  assert.match(classic[1]?.message ?? '', /^RUN --mount needs BuildKit, but the classic builder builds this node$/);
  assert.equal(builderHazards('# escape=`\nFROM base\n', readDockerfile('# escape=`\nFROM base\n'), 'buildkit'), []);
});

test('the builder is an input of the fingerprint only when it is not classic; secrets by id, never by value', () => {
  const classic: BuiltInputs = { kind: 'built', files: { Dockerfile: '100644 abc' }, dockerfile: 'Dockerfile', args: {} };
  // A classic node's fingerprint is what it was before builders could be chosen (the body of format v1, unchanged).
  const before = sha256(`chain-fingerprint-v1\n${canonicalJson({ kind: 'built', files: '"Dockerfile"="100644 abc"', dockerfile: 'Dockerfile', args: '', version: null, parents: '' })}`);
  assert.is(nodeFingerprint(classic, {}), before);
  const kit = nodeFingerprint({ ...classic, builder: 'buildkit' }, {});
  assert.is.not(kit, nodeFingerprint(classic, {}));
  const secret = nodeFingerprint({ ...classic, builder: 'buildkit', secrets: ['b', 'a'] }, {});
  assert.is(secret, nodeFingerprint({ ...classic, builder: 'buildkit', secrets: ['a', 'b'] }, {}));
  assert.is.not(secret, kit);
});

test('secret values are redacted from lines, multi-line values line by line; a file secret is found from ~ and chain.yaml', () => {
  const redact = redactor([Buffer.from('s3cret-token'), Buffer.from('line-one\nline-two\n'), Buffer.from('ab')]);
  assert.is(redact('got s3cret-token and line-two'), 'got [secret] and [secret]');
  assert.is(redact('ab stays: too short to tell from text'), 'ab stays: too short to tell from text');
  assert.is(secretFile('~/certs/x.pem', '/chain', { HOME: '/home/u' }), '/home/u/certs/x.pem');
  assert.is(secretFile('certs/x.pem', '/chain', {}), '/chain/certs/x.pem');
  assert.is(secretFile('/abs/x', '/chain', {}), '/abs/x');
});

test.run();
