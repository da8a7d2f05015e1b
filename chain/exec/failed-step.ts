/**
 * Where a failed build failed, for people: the Dockerfile line of the step the engine stopped at
 * and its last lines of output, instead of only the engine's "returned a non-zero code".
 */
import path from 'node:path';
import type { FailedStep } from '../adapters/docker-build.js';
import type { NodeDockerfile } from '../config/node.js';
import type { NodeResult } from './events.js';

/** Whitespace and line continuations folded, as BuildKit names a step; its flags (`--mount=...`) left out, as the parser keeps them apart. */
const folded = (text: string) => text.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim().replace(/^(\S+)(?: --\S+)+/, '$1');

/**
 * The instruction of the Dockerfile a builder step is: the classic builder counts every
 * instruction from 1; BuildKit's steps (index 0) count per stage and skip some, so they are found
 * by their text, else as the only instruction of their keyword.
 */
export function stepInstruction(dockerfile: NodeDockerfile, step: Pick<FailedStep, 'index' | 'text'>) {
  const keyword = step.text.trim().split(/\s/)[0]?.toUpperCase();
  if (step.index === 0) {
    const same = dockerfile.info.instructions.filter((i) => i.keyword.toUpperCase() === keyword);
    const text = folded(step.text);
    return same.find((i) => folded(`${i.keyword} ${i.args}`) === text) ?? (same.length === 1 ? same[0] : undefined);
  }
  const instruction = dockerfile.info.instructions[step.index - 1];
  // The step after the last instruction is the LABEL chain adds; a mismatch means another file.
  return instruction && instruction.keyword.toUpperCase() === keyword ? instruction : undefined;
}

/** The node's error and failed step, from the engine's error and the step it stopped at. */
export function describeFailure(message: string, step: FailedStep | undefined, dockerfile: NodeDockerfile | undefined, root: string): Pick<NodeResult, 'error' | 'failedStep'> {
  const first = message.split('\n')[0] as string;
  const instruction = step && dockerfile ? stepInstruction(dockerfile, step) : undefined;
  if (!step || !dockerfile || !instruction) return { error: first, ...(step?.output.length ? { failedStep: { instruction: step.text, output: step.output } } : {}) };
  const where = `${path.relative(root, dockerfile.file).split(path.sep).join('/')}:${instruction.line}`;
  // "The command '/bin/sh -c <the whole RUN again>' returned a non-zero code: 3": the line says which command.
  // BuildKit (Engine 20.10): "executor failed running [/bin/sh -c make]: exit code: 3"; newer: "process ... did not complete successfully: exit code: 3".
  const code = /^The command '[\s\S]*' returned a non-zero code: (\d+)$/.exec(first)?.[1] ?? /^(?:executor failed running \[[\s\S]*\]|process [\s\S]* did not complete successfully): exit code: (\d+)$/.exec(first)?.[1];
  const what = code !== undefined ? `${instruction.keyword} exited with code ${code}` : first.startsWith(`${instruction.keyword} failed`) ? first : `${instruction.keyword} failed: ${first}`;
  return { error: `${where}: ${what}`, failedStep: { file: dockerfile.file, line: instruction.line, instruction: step.text, output: step.output } };
}
