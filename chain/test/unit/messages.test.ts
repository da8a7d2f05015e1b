/** Messages for people: did-you-mean on the command line and in policies, YAML hints that fit where they are. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyOfLine, syntaxHint, yamlQuoted } from '../../config/yaml-hints.js';
import { absentEngine, removeDirs, repoRoot, runCli, tempDir } from '../helpers.js';

const example = ['--file', path.join(repoRoot, 'chain.yaml')];

test('a misspelt node on the command line is answered with the node meant', async () => {
  for (const argv of [['plan', 'htpd'], ['why', 'htpd'], ['provenance', 'htpd']]) {
    const r = await runCli([...argv, ...example], { cwd: repoRoot, engine: absentEngine() });
    assert.is(r.code, 2, r.err);
    assert.match(r.err, /error\[E_UNKNOWN_NODE\]: no node named 'htpd'/);
    assert.match(r.err, /hint: did you mean httpd\? nodes: busybox, corebuild, docs, httpd, /);
  }
  const far = await runCli(['plan', 'nginx', ...example], { cwd: repoRoot, engine: absentEngine() });
  assert.match(far.err, /hint: nodes: busybox, /);
});

test('a misspelt key in a policy file is answered with the key meant', async () => {
  const root = tempDir();
  writeFileSync(path.join(root, 'chain.yaml'), 'version: 1\nname: x\nteams: { ops: { members: [a@b.example] } }\nnodes:\n  base: { tier: base, owner: ops, image: vendor/b:1 }\n');
  mkdirSync(path.join(root, 'policies'));
  writeFileSync(path.join(root, 'policies', 'p.yaml'), 'rules:\n  - id: a\n    check: has-tests\n    severity: error\n    rationle: x\n');
  const r = await runCli(['lint'], { cwd: root, engine: absentEngine() });
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /error\[E_UNKNOWN_KEY\]: unknown key 'rationle' in rules\.0\n  --> policies\/p\.yaml:5:5\n  hint: did you mean rationale\?/);
  removeDirs(root);
});

test('the key a line sets, and a hint for a syntax error that fits it', () => {
  assert.is(keyOfLine('    from: base: 1'), 'from');
  assert.is(keyOfLine('  - test: x'), 'test');
  assert.is(keyOfLine('      - echo a: b'), undefined);
  assert.is(keyOfLine('"quoted": 1'), 'quoted');
  const text = 'nodes:\n  a:\n    from: base: 1\n    test: echo ready: yes\n    description: web: the site\n    tier: [app\n';
  assert.match(syntaxHint(text, 3), /^from: names parent nodes/);
  assert.is(syntaxHint(text, 4), `a command holding ': ' must be quoted, or YAML reads it as a key: test: "echo ready: yes"`);
  assert.is(syntaxHint(text, 5), `a value holding ': ' must be quoted, or YAML reads it as a key: description: "web: the site"`);
  assert.is(syntaxHint(text, 6), 'check indentation, quoting and colons near this position');
  assert.is(yamlQuoted('echo a: b'), '"echo a: b"');
  assert.is(yamlQuoted(`grep -q "a: b" it's`), `'grep -q "a: b" it''s'`);
});

test('two keys set twice are each named with where they were first set', async () => {
  const root = tempDir();
  writeFileSync(path.join(root, 'chain.yaml'), 'version: 1\nname: x\nteams:\n  ops: { members: [a@b.example] }\nnodes:\n  base: { tier: base, owner: ops, image: vendor/b:1, tier: core }\nname: y\n');
  const r = await runCli(['plan'], { cwd: root, engine: absentEngine() });
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /error\[E_DUPLICATE_KEY\]: the key 'tier' is set twice in nodes\.base: first at chain\.yaml:6:11\n  --> chain\.yaml:6:54/);
  assert.match(r.err, /error\[E_DUPLICATE_KEY\]: the key 'name' is set twice at the top level: first at chain\.yaml:2:1\n  --> chain\.yaml:7:1/);
  removeDirs(root);
});

test('schema problems and graph problems in one run, without problems made up about what the schema refused', async () => {
  const root = tempDir();
  mkdirSync(path.join(root, 'core'));
  writeFileSync(path.join(root, 'core', 'Dockerfile'), 'FROM base\n');
  mkdirSync(path.join(root, 'web'));
  writeFileSync(path.join(root, 'web', 'Dockerfile'), 'FROM core\n');
  writeFileSync(
    path.join(root, 'chain.yaml'),
    [
      'version: 1',
      'name: x',
      'teams:',
      '  ops: { members: [not an address] }',
      '  web: { members: [web@x.example] }',
      'nodes:',
      '  base: { tier: base, owner: ops, image: vendor/b:1 }',
      '  core: { tier: core, owner: ops, path: core, from: base, version: [1] }',
      '  web: { tier: app, owner: web, path: web, from: [core, jobs] }',
      '  team: { tier: app, owner: web, source: { git: "https://git.x.example/t.git", ref: main }, from: core }',
      '',
    ].join('\n'),
  );
  const r = await runCli(['plan'], { cwd: root, engine: absentEngine() });
  assert.is(r.code, 2, r.err);
  const codes = [...r.err.matchAll(/error\[(\w+)\]/g)].map((m) => m[1]);
  assert.equal(codes, ['E_TEAM_MEMBER', 'E_SCHEMA', 'E_UNKNOWN_PARENT'], r.err);
  assert.match(r.err, /node web: parent 'jobs' is not a node/);
  // core (refused by the schema) and team (a team repository, not fetched on this path) are declared: nobody is told they are missing.
  assert.not.match(r.err, /'core' is not a node|FROM core names|E_UNKNOWN_TEAM|E_SOURCE_NOT_FETCHED/);
  removeDirs(root);
});

test.run();
