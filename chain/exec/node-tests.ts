/** Runs a built image's test commands, each in its own container, before the image is trusted. */
import { Labels } from '../core/model.js';
import { checkoutId } from '../adapters/state.js';
import { DEFAULT_TEST_LIMITS, formatBytes } from '../core/test-limits.js';
import type { NodeBuild } from './build-types.js';

/** A test command of the node failed: the node fails and its descendants are blocked. */
export class TestFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestFailedError';
  }
}

/** Runs every test command in order; the first that fails or times out throws TestFailedError. */
export async function runTests(build: NodeBuild, imageId: string, onLine: (line: string) => void): Promise<void> {
  const { node, signal } = build;
  // Labelled so that the next run can remove the containers of a run that was killed.
  const labels = { [Labels.chain]: build.inputs.config.name, [Labels.checkout]: checkoutId(build.inputs.config.root), [Labels.test]: node.name };
  const limits = node.testLimits ?? DEFAULT_TEST_LIMITS;
  for (const [index, command] of node.test.entries()) {
    const number = index + 1;
    const step = `test ${number}/${node.test.length}: ${command}`;
    build.onStep(step);
    onLine(`# ${step}`);
    const result = await build.engine.runTest(imageId, command, { timeoutMs: build.testTimeoutMs, labels, limits, onLine, ...(signal ? { signal } : {}) });
    if (signal?.aborted) throw signal.reason;
    if (result.timedOut) throw new TestFailedError(`test ${number} timed out after ${build.testTimeoutMs / 1000}s: ${command}`);
    if (result.outOfMemory) throw new TestFailedError(`test ${number} ran out of memory (limit ${formatBytes(limits.memoryBytes)}; testLimits.memory in layer.yaml sets it): ${command}`);
    if (result.exitCode !== 0) throw new TestFailedError(`test ${number} exited ${result.exitCode}: ${command}`);
    onLine(`# test ${number} passed`);
  }
  build.onTested(node.test.length);
}
