/** A failed build step, for people: its Dockerfile line and its last lines of output, in the summary and its JSON. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STEP_TAIL, stepTracker } from '../../adapters/docker.js';
import { renderBuildSummary } from '../../cli/render/build.js';
import { readDockerfile } from '../../core/dockerfile.js';
import { countStatuses, type BuildSummary, type NodeResult } from '../../exec/events.js';
import { describeFailure, stepInstruction } from '../../exec/failed-step.js';

// What the classic builder streams for a multi-stage Dockerfile whose second RUN fails (one line per event, as the adapter splits them).
const STREAM = [
  'Step 1/7 : ARG X=1',
  'Step 2/7 : FROM sha256:0c6d65f6908a AS a',
  ' ---> 0c6d65f6908a',
  'Step 3/7 : RUN echo a',
  ' ---> Running in bff7915288b9',
  'a',
  'Removing intermediate container bff7915288b9',
  ' ---> 3b703cd4237c',
  'Step 4/7 : FROM sha256:0c6d65f6908a',
  ' ---> 0c6d65f6908a',
  'Step 5/7 : COPY --from=a /etc/passwd /tmp/p',
  ' ---> b43c2088aecd',
  'Step 6/7 : RUN for i in $(seq 1 12); do echo line $i; done;     echo oops >&2; exit 3',
  ' ---> Running in 6460265d78cd',
  ...Array.from({ length: 12 }, (_, i) => `line ${i + 1}`),
  'oops',
  'Removing intermediate container 6460265d78cd',
];
const DOCKERFILE = 'ARG X=1\nFROM base AS a\nRUN echo a\nFROM base\n# a comment is no step\nCOPY --from=a /etc/passwd /tmp/p\nRUN for i in $(seq 1 12); do echo line $i; done; \\\n    echo oops >&2; exit 3\n';
const dockerfile = { file: '/chain/layers/core/Dockerfile', text: DOCKERFILE, info: readDockerfile(DOCKERFILE) };
const MESSAGE = "The command '/bin/sh -c for i in $(seq 1 12); do echo line $i; done;     echo oops >&2; exit 3' returned a non-zero code: 3";

test('the step tracker keeps the step the build is at and its last lines, without the builder own lines', () => {
  const steps = stepTracker();
  for (const line of STREAM) steps.line(line);
  const step = steps.step();
  assert.is(step?.index, 6);
  assert.match(step?.text ?? '', /^RUN for i in/);
  assert.is(step?.output.length, STEP_TAIL);
  assert.equal(step?.output.slice(-3), ['line 11', 'line 12', 'oops']);
  assert.not.ok(step?.output.some((l) => l.startsWith(' ---> ') || l.startsWith('Removing')));
});

test('the n-th step is the n-th instruction (global ARGs count, comments do not); the LABEL chain adds is none of the file', () => {
  assert.is(stepInstruction(dockerfile, { index: 6, text: 'RUN for i' })?.line, 7);
  assert.is(stepInstruction(dockerfile, { index: 1, text: 'ARG X=1' })?.line, 1);
  assert.is(stepInstruction(dockerfile, { index: 7, text: 'LABEL org.opencontainers.image.title=core' }), undefined);
  assert.is(stepInstruction(dockerfile, { index: 3, text: 'COPY x y' }), undefined, 'a step that is not that instruction is not placed');
});

test('the error names the Dockerfile line; the failed step carries the instruction and its last lines', () => {
  const steps = stepTracker();
  for (const line of STREAM) steps.line(line);
  const failure = describeFailure(MESSAGE, steps.step(), dockerfile, '/chain');
  assert.is(failure.error, 'layers/core/Dockerfile:7: RUN exited with code 3');
  assert.is(failure.failedStep?.line, 7);
  assert.is(failure.failedStep?.file, '/chain/layers/core/Dockerfile');
  assert.equal(failure.failedStep?.output.at(-1), 'oops');
  assert.is(describeFailure('COPY failed: file not found in build context', { index: 6, text: 'COPY nosuch /x', output: [] }, { ...dockerfile, info: readDockerfile('FROM base\nRUN true\nCOPY a b\nCOPY c d\nUSER 1\nCOPY nosuch /x\n') }, '/chain').error, 'layers/core/Dockerfile:6: COPY failed: file not found in build context');
  assert.equal(describeFailure('Dockerfile parse error line 3: unknown instruction: RUNN', undefined, dockerfile, '/chain'), { error: 'Dockerfile parse error line 3: unknown instruction: RUNN' });
});

test('the text summary shows the failed line and the last lines of output under the table', () => {
  const failed: NodeResult = {
    name: 'core', owner: 'ops', status: 'failed', tags: [], durationMs: 900, log: '/chain/.chain/logs/core.log',
    ...describeFailure(MESSAGE, { index: 6, text: 'RUN for i in $(seq 1 12); do echo line $i; done;     echo oops >&2; exit 3', output: ['line 12', 'oops'] }, dockerfile, '/chain'),
  };
  const nodes = [failed, { name: 'web', owner: 'web', status: 'blocked' as const, tags: [], durationMs: 0, blockedBy: 'core' }];
  const summary: BuildSummary = { chain: 'c', buildId: 'b', nodes, counts: countStatuses(nodes), durationMs: 900, promoted: true, interrupted: false, engineLost: false, stateUnwritable: false, registryFailed: false };
  const text = renderBuildSummary(summary, (p) => p.replace('/chain/', ''));
  assert.ok(text.includes('failed   core  ops  layers/core/Dockerfile:7: RUN exited with code 3  log: .chain/logs/core.log'), text);
  assert.ok(text.includes(['core: layers/core/Dockerfile:7  RUN for i in $(seq 1 12); do echo line $i; done;     echo oops >&2; exit 3', '  its last 2 lines of output:', '  | line 12', '  | oops'].join('\n')), text);
});

test.run();
