/**
 * What someone who can commit to the chain might try in chain.yaml and the Dockerfiles: each is
 * refused at load with a code and its location, before anything is built or written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codeowners } from '../../cli/commands/codeowners.js';
import { classicBuilderHazards } from '../../core/dockerfile-classic.js';
import { readDockerfile } from '../../core/dockerfile.js';
import type { ChainConfig } from '../../core/model.js';
import { absentEngine, exampleRepo, removeDirs, runCli } from '../helpers.js';

const dir = exampleRepo();
const chainYaml = readFileSync(path.join(dir, 'chain.yaml'), 'utf8');
test.after(() => removeDirs(dir));

/** `chain lint` on the example chain with chain.yaml edited: exit code and stderr. */
async function lintWith(edit: (yaml: string) => string): Promise<{ code: number; err: string }> {
  const edited = edit(chainYaml);
  assert.is.not(edited, chainYaml, 'the edit applies');
  writeFileSync(path.join(dir, 'chain.yaml'), edited);
  try {
    const r = await runCli(['lint'], { cwd: dir, engine: absentEngine() });
    return { code: r.code, err: r.err };
  } finally {
    writeFileSync(path.join(dir, 'chain.yaml'), chainYaml);
  }
}

test('names every JavaScript object has are never taken for declared teams, parents or admins', async () => {
  const cases: [(y: string) => string, RegExp][] = [
    [(y) => y.replace(/owner: web$/m, 'owner: constructor'), /^error\[E_UNKNOWN_TEAM\]: node site: owner 'constructor' is not a team\n  --> chain\.yaml:\d+:12/m],
    [(y) => y.replace('from: httpd@^2\n', 'from: toString\n'), /^error\[E_UNKNOWN_PARENT\]: node site: parent 'toString' is not a node/m],
    [(y) => y.replace('admins: [ops]', 'admins: [hasOwnProperty]'), /^error\[E_UNKNOWN_TEAM\]: admins names 'hasOwnProperty', which is not a team/m],
    [(y) => y.replace(/^ {2}report:/m, '  constructor:'), /^error\[E_NODE_NAME\]: 'constructor' cannot name a node: it is reserved/m],
    [(y) => y.replace(/^ {2}data: /m, '  constructor: '), /^error\[E_TEAM_NAME\]: 'constructor' cannot name a team: it is reserved/m],
    [(y) => y.replace(/^ {2}report:/m, '  __proto__:'), /^error\[E_NODE_NAME\]: '__proto__' in nodes is not a valid name/m],
  ];
  for (const [edit, expected] of cases) {
    const r = await lintWith(edit);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, expected);
    assert.not.match(r.err, /internal error|CycleException|\n\s+at /);
  }
});

test('team handles and members are validated: no value can add a CODEOWNERS line or an owner', async () => {
  const handle = await lintWith((y) => y.replace('web:        { members: [web@acme.example]', 'web: { handle: "@acme/web\\n* @attacker", members: [web@acme.example]'));
  assert.is(handle.code, 2);
  assert.match(handle.err, /^error\[E_TEAM_HANDLE\]: teams\.web\.handle "@acme\/web\\n\* @attacker" is not a code-host handle\n  --> chain\.yaml:12:/m);
  const member = await lintWith((y) => y.replace('members: [data@acme.example]', 'members: ["data@acme.example @attacker"]'));
  assert.is(member.code, 2);
  assert.match(member.err, /^error\[E_TEAM_MEMBER\]: teams\.data\.members\.0 "data@acme\.example @attacker" is not an email address or a handle/m);
  const fine = await lintWith((y) => y.replace('members: [data@acme.example]', 'members: [data@acme.example, "@data-lead"], handle: "@acme/platform/data"'));
  assert.is(fine.code, 0, fine.err);
});

test('CODEOWNERS paths are escaped: a folder name cannot widen or comment out its rule', () => {
  const config = {
    file: '/r/chain.yaml', admins: [],
    teams: { web: { name: 'web', members: ['w@x'] } },
    nodes: { site: { kind: 'built', name: 'site', owner: 'web', path: 'layers/my site #1/[a]*' } },
  } as unknown as ChainConfig;
  assert.match(codeowners(config), /^\/layers\/my\\ site\\ \\#1\/\\\[a\\\]\\\*\/ w@x$/m);
});

test('what the classic builder reads differently is refused at its line: heredocs, ignored parser directives', () => {
  const text = '# syntax=docker/dockerfile:1\n# escape=\\\nFROM httpd\nRUN <<CMD\nFROM vendor/other:1\nCMD\nCOPY <<-"EOF" /etc/x\nhi\nEOF\nRUN echo $((1<<3)) && cat <<< word\n';
  const hazards = classicBuilderHazards(text, readDockerfile(text));
  assert.equal(hazards.map((h) => h.line), [1, 4, 7]);
  assert.match(hazards[0]?.message ?? '', /^the parser directive '# syntax=' is ignored by the classic builder/);
  assert.match(hazards[1]?.message ?? '', /^RUN uses a heredoc \(<<CMD\)/);
  assert.match(hazards[2]?.message ?? '', /^COPY uses a heredoc \(<<-"EOF"\)/);
  const plain = 'FROM httpd\n# check=skip\nRUN printf "a\\nb" > /x\n';
  assert.equal(classicBuilderHazards(plain, readDockerfile(plain)), [], 'a comment after the first instruction is no directive');
});

test('chain lint refuses a FROM smuggled in a heredoc, at the Dockerfile line', async () => {
  const file = path.join(dir, 'layers/app/site/Dockerfile');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace(/^(FROM httpd.*)$/m, '$1\nRUN <<CMD\nFROM vendor/busybox:1.35\nCMD'));
  try {
    const r = await runCli(['lint'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 2, r.err);
    assert.match(r.err, /^error\[E_DOCKERFILE_CONSTRUCT\]: node site: RUN uses a heredoc \(<<CMD\), which the classic builder does not read/m);
    assert.match(r.err, /--> layers\/app\/site\/Dockerfile:\d+:1/);
  } finally {
    writeFileSync(file, original);
  }
});

test.run();
