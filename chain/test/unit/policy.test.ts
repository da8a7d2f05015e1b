/** Policies: every built-in check with a passing and a failing fixture, exemptions, malformed files. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { buildGraph } from '../../core/graph.js';
import type { ChainConfig, ChainNode } from '../../core/model.js';
import { CHECKS } from '../../policy/checks.js';
import { isCalendarDate } from '../../policy/load.js';
import { lint } from '../../policy/lint.js';
import { PARAMS } from '../../policy/params.js';
import type { Violation } from '../../policy/model.js';
import { fixturesDir, removeDirs, runCli, tempDir } from '../helpers.js';

const dir = path.join(fixturesDir, 'policy');
// Lint never needs the engine (only for base image ages): these fixtures run without one.
const engine = new DockerEngine(new Docker({ socketPath: '/nonexistent/docker.sock' }));

for (const name of readdirSync(dir).sort()) {
  test(`policy fixture: ${name}`, async () => {
    const cwd = path.join(dir, name);
    const expected = JSON.parse(readFileSync(path.join(cwd, 'expected.json'), 'utf8')) as { rule: string; severity: string; node: string; location: string }[];
    const r = await runCli(['lint', '--json'], { cwd, engine });
    const { violations } = JSON.parse(r.out) as { violations: Violation[] };
    const got = violations.map((v) => {
      const rel = path.relative(cwd, v.location.file);
      return { rule: v.rule, severity: v.severity, node: v.node, location: rel + (v.location.line ? `:${v.location.line}:${v.location.col}` : '') };
    });
    assert.equal(got, expected);
    assert.not.ok(violations.some((v) => ['ok', 'good', 'a', 'core2', 'unused'].includes(v.node)), 'the passing nodes pass');
    assert.is(r.code, expected.some((v) => v.severity === 'error') ? 1 : 0);
    for (const v of violations) assert.ok(v.rationale && v.hint, 'every violation has a rationale and a hint');
    // Without an engine, a rule that wants base image ages says it could not check them, once.
    const noted = r.err.split('\n').filter((l) => l.includes('base image ages were not checked')).length;
    assert.is(noted, name === 'retirement' ? 1 : 0, r.err);
  });
}

test('human output: file:line:col  rule  node  message, grouped by owner, with why and hint', async () => {
  const r = await runCli(['lint'], { cwd: path.join(dir, 'owner-allowed'), engine });
  assert.is(r.code, 1);
  assert.is(r.out, [
    'web:',
    '  error  chain.yaml:18:12  r-owner-allowed  bad  owned by web',
    '         why: because owner-allowed',
    '         hint: core nodes may be owned only by: ops',
    '',
    '1 error, 0 warnings in 1 node; owners: web',
  ].join('\n'));
});

test('linting named nodes only', async () => {
  const r = await runCli(['lint', 'ok', '--json'], { cwd: path.join(dir, 'no-onbuild'), engine });
  assert.is(r.code, 0);
  assert.equal((JSON.parse(r.out) as { violations: unknown[] }).violations, []);
});

test('retirement: a base older than the limit names who must move', () => {
  const base: ChainNode = { kind: 'external', name: 'base', tier: 'base', owner: 'ops', from: [], image: 'vendor/base:1' };
  const core: ChainNode = { kind: 'built', name: 'core', tier: 'core', owner: 'ops', from: [{ node: 'base' }], path: 'c', dockerfile: 'Dockerfile', args: {}, secretArgs: [], test: [] };
  const config = { nodes: { base, core }, tiers: ['base', 'core'] } as unknown as ChainConfig;
  const rule = { id: 'old', check: 'retirement', severity: 'warn' as const, scope: {}, params: { maxAgeDays: 30 }, rationale: 'r', where: { file: 'p' } };
  const ctx = { config, graph: buildGraph({ base: [], core: ['base'] }), today: new Date('2026-11-22'), locate: () => ({ file: 'chain.yaml' }) };
  const old = lint({ rules: [rule], exemptions: [] }, [{ node: base, created: '2026-01-01T00:00:00Z' }], ctx);
  assert.equal(old.violations.map((v) => v.message), ['base image is 325 days old (limit 30)']);
  assert.match(old.violations[0]?.hint ?? '', /core \(ops\) must move/);
  assert.equal(lint({ rules: [rule], exemptions: [] }, [{ node: base, created: '2026-11-01T00:00:00Z' }], ctx).violations, []);
});

test('a malformed policy file is an input error with its location', async () => {
  const root = tempDir();
  writeFileSync(path.join(root, 'chain.yaml'), 'version: 1\nname: x\nteams: { ops: { members: [a@b] } }\nnodes:\n  base: { tier: base, owner: ops, image: vendor/b:1 }\n');
  mkdirSync(path.join(root, 'policies'));
  const cases: [string, string, string][] = [
    ['rules:\n  - id: a\n    check: no-such-check\n    severity: error\n    rationale: x\n', 'E_SCHEMA', 'policies/p.yaml:3:12'],
    ['rules:\n  - id: a\n    check: has-tests\n    severity: error\n    rationale: x\n    params: { colour: red }\n', 'E_POLICY_PARAM', 'policies/p.yaml:6:15'],
    ['rules:\n  - id: a\n    check: has-tests\n    severity: error\n    rationale: x\nexemptions:\n  - { rule: a, node: ghost, team: ops, reason: r, expires: 2030-01-01 }\n', 'E_UNKNOWN_NODE', 'policies/p.yaml:7:'],
    ['rules: [\n', 'E_YAML_SYNTAX', 'policies/p.yaml:'],
  ];
  for (const [text, code, location] of cases) {
    writeFileSync(path.join(root, 'policies', 'p.yaml'), text);
    const r = await runCli(['lint'], { cwd: root, engine });
    assert.is(r.code, 2, r.err);
    assert.ok(r.err.includes(`error[${code}]`) && r.err.includes(`--> ${location}`), `${code} at ${location}:\n${r.err}`);
  }
  removeDirs(root);
});

test('every parameter of every check has a declared type, and only those have one', () => {
  for (const [name, check] of Object.entries(CHECKS)) {
    assert.equal(Object.keys(PARAMS[name]?.types ?? {}).sort(), [...check.params].sort(), `${name}: params and their types`);
    for (const required of PARAMS[name]?.required ?? []) assert.ok(check.params.includes(required), `${name}: ${required}`);
  }
  for (const name of Object.keys(PARAMS)) assert.ok(CHECKS[name], `${name} is a check`);
});

test('exemption dates are days of the calendar', () => {
  for (const day of ['2027-01-31', '2028-02-29', '2027-12-31']) assert.ok(isCalendarDate(day), day);
  for (const day of ['2027-02-30', '2027-02-29', '2027-13-01', '2027-00-10', '2027-04-31', '2027-1-1', '27-01-01']) assert.not.ok(isCalendarDate(day), day);
});

test.run();
