/**
 * One fixture folder per bad-input case: exit code, error code, location and hint are asserted,
 * no stack is printed, nothing goes to stdout, and nothing on disk changes. A fixture runs
 * `chain plan` unless its expected.json names another command (`lint`, `patch core`, ...);
 * one that would write when it should not runs on a copy, so a failure never dirties the tree.
 */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { absentEngine, fixturesDir, removeDirs, runCli, tempDir, treeState } from '../helpers.js';

interface Expected {
  exit: number;
  code: string;
  /** file[:line:col]; absent for a problem with no file (a command-line option, the environment) */
  location?: string;
  mentions?: string;
  alsoCodes?: string[];
  /** words the output must not hold (a hint meant for another key) */
  absent?: string[];
  /** the command line (default: plan) */
  command?: string[];
  /** the environment chain sees */
  env?: Record<string, string>;
}

const dir = path.join(fixturesDir, 'config');
for (const name of readdirSync(dir).sort()) {
  test(`bad input: ${name}`, async () => {
    const fixture = path.join(dir, name);
    const expected = JSON.parse(readFileSync(path.join(fixture, 'expected.json'), 'utf8')) as Expected;
    const command = expected.command ?? ['plan'];
    const readOnly = command[0] === 'plan' || command[0] === 'lint';
    const copy = readOnly ? undefined : tempDir();
    if (copy) cpSync(fixture, copy, { recursive: true, verbatimSymlinks: true });
    const cwd = copy ?? fixture;
    try {
      const before = treeState(cwd);
      const result = await runCli(command, { cwd, engine: absentEngine(), env: expected.env ?? {} });
      assert.is(result.code, expected.exit, result.err);
      assert.ok(result.err.includes(`error[${expected.code}]`), `wanted ${expected.code} in:\n${result.err}`);
      if (expected.location) assert.ok(result.err.includes(`--> ${expected.location}\n`), `wanted location ${expected.location} in:\n${result.err}`);
      assert.ok(result.err.includes('hint: '), 'every problem carries a hint');
      assert.not.match(result.err, /\n\s+at /, 'no stack trace');
      assert.not.ok(result.err.includes('internal error'), result.err);
      if (expected.mentions) assert.ok(result.err.includes(expected.mentions), `wanted '${expected.mentions}' in:\n${result.err}`);
      for (const text of expected.absent ?? []) assert.not.ok(result.err.includes(text), `'${text}' does not belong in:\n${result.err}`);
      for (const code of expected.alsoCodes ?? []) assert.ok(result.err.includes(`error[${code}]`), `all problems reported together: ${code}`);
      assert.is(result.out, '', 'nothing on stdout');
      assert.equal(treeState(cwd), before, 'nothing on disk changed');
    } finally {
      if (copy) removeDirs(copy);
    }
  });
}

test('an unknown node on the command line is a usage error', async () => {
  const result = await runCli(['plan', 'nosuchnode', '--file', path.join(dir, 'unknown-key', '..', '..', '..', '..', '..', 'chain.yaml')], { cwd: dir });
  assert.is(result.code, 2);
  assert.ok(result.err.includes('error[E_UNKNOWN_NODE]'), result.err);
});

test('an unknown command or option is a usage error with a hint', async () => {
  const a = await runCli(['plna'], { cwd: dir });
  assert.is(a.code, 2);
  assert.ok(a.err.includes('error[E_USAGE]') && a.err.includes('hint: commands:'), a.err);
  const b = await runCli(['plan', '--bogus'], { cwd: dir });
  assert.is(b.code, 2);
  assert.ok(b.err.includes('error[E_USAGE]'), b.err);
});

test('no chain.yaml anywhere above is reported once', async () => {
  const result = await runCli(['plan'], { cwd: '/' });
  assert.is(result.code, 2);
  assert.ok(result.err.includes('error[E_NO_CHAIN]'), result.err);
});

test.run();
