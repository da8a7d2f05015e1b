/**
 * What someone who can commit to the chain might try in chain.yaml and the Dockerfiles: each is
 * refused at load with a code and its location, before anything is built or written.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codeowners } from '../../cli/commands/codeowners.js';
import { classicBuilderHazards } from '../../core/dockerfile-classic.js';
import { finalBase, readDockerfile } from '../../core/dockerfile.js';
import { pullWatch, startsWith } from '../../exec/build-checks.js';
import type { ChainConfig } from '../../core/model.js';
import { writeFileAtomic } from '../../adapters/state.js';
import { absentEngine, exampleRepo, removeDirs, runCli, tempDir } from '../helpers.js';

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
  assert.match(hazards[0]?.message ?? '', /^'# syntax=docker\/dockerfile:1' names a Dockerfile frontend to pull, and chain never pulls one/);
  assert.is(hazards[0]?.code, 'E_DOCKERFILE_SYNTAX');
  assert.match(hazards[1]?.message ?? '', /^RUN uses a heredoc \(<<CMD\)/);
  assert.match(hazards[2]?.message ?? '', /^COPY uses a heredoc \(<<-"EOF"\)/);
  const plain = 'FROM httpd\n# check=skip\nRUN printf "a\\nb" > /x\n';
  assert.equal(classicBuilderHazards(plain, readDockerfile(plain)), [], 'a comment after the first instruction is no directive');
});

test('after a build: the final stage\'s base is found through stage names; a pull or a base whose layers are not first is caught', () => {
  const base = (text: string) => finalBase(readDockerfile(text));
  assert.is(base('FROM httpd AS web\nFROM runtime AS gen\nRUN x\nFROM web\nCOPY --from=gen /a /a\n'), 'httpd');
  assert.is(base('FROM --platform=linux/amd64 corebuild as b\nFROM b AS c\nFROM c\n'), 'corebuild');
  assert.is(base('FROM httpd AS x\nFROM scratch\n'), undefined);
  assert.ok(startsWith(['a', 'b', 'c'], ['a', 'b']));
  assert.not.ok(startsWith(['x', 'a', 'b'], ['a', 'b']));
  assert.not.ok(startsWith(['a'], ['a', 'b']));
  const watch = pullWatch();
  for (const line of ['Step 1/3 : FROM sha256:abc', ' ---> abc', 'Pulling from evil/image', 'Pulling fs layer']) watch.line(line);
  assert.is(watch.pulled, 'Pulling from evil/image');
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

test('no-secrets treats secretArgs as secrets: a RUN with one in scope is an error at its line (the classic builder records it in the history)', async () => {
  const dockerfile = path.join(dir, 'layers/app/site/Dockerfile');
  const layer = path.join(dir, 'layers/app/site/layer.yaml');
  const [d, l] = [readFileSync(dockerfile, 'utf8'), readFileSync(layer, 'utf8')];
  writeFileSync(dockerfile, 'FROM httpd\nARG ACCESS_CODE\nCOPY --chown=10001:10001 public/ /var/www/\nRUN echo building\nUSER 10001\n');
  writeFileSync(layer, `${l}secretArgs: [ACCESS_CODE]\nargs: { ACCESS_CODE: "1234" }\n`);
  try {
    const r = await runCli(['lint'], { cwd: dir, engine: absentEngine() });
    assert.is(r.code, 1, r.err);
    assert.match(r.out, /error {2}layers\/app\/site\/Dockerfile:4:1 {2}no-secrets {2}site {2}RUN runs with the secret build arg ACCESS_CODE in scope \(ARG at line 2\): the classic builder records its value in the image history/);
    assert.match(r.out, /error {2}layers\/app\/site\/Dockerfile:2:1 {2}no-secrets {2}site {2}ARG ACCESS_CODE is declared secret \(secretArgs\)/);
    writeFileSync(dockerfile, 'FROM httpd\nCOPY --chown=10001:10001 public/ /var/www/\nRUN echo building\nUSER 10001\n');
    // Passed but never declared by an ARG: nothing records it (secretArgs naming no arg at all is E_SECRET_ARG).
    writeFileSync(layer, `${l}secretArgs: [ACCESS_CODE]\nargs: { ACCESS_CODE: "1234" }\n`);
    const clean = await runCli(['lint'], { cwd: dir, engine: absentEngine() });
    assert.is(clean.code, 0, clean.out + clean.err);
  } finally {
    writeFileSync(dockerfile, d);
    writeFileSync(layer, l);
  }
});

test('the atomic writer writes through a symlink to its target, keeps its mode, and never replaces what is not a regular file', async () => {
  const scratch = tempDir();
  try {
    const real = path.join(scratch, 'real.yaml');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o640);
    symlinkSync('real.yaml', path.join(scratch, 'link.yaml'));
    writeFileAtomic(path.join(scratch, 'link.yaml'), 'new\n');
    assert.ok(lstatSync(path.join(scratch, 'link.yaml')).isSymbolicLink(), 'the link stays a link');
    assert.is(readlinkSync(path.join(scratch, 'link.yaml')), 'real.yaml');
    assert.is(readFileSync(real, 'utf8'), 'new\n');
    assert.is(statSync(real).mode & 0o777, 0o640);

    execFileSync('mkfifo', [path.join(scratch, 'fifo')]);
    execFileSync('mknod', [path.join(scratch, 'null'), 'c', '1', '3']);
    for (const [name, what] of [['fifo', 'a FIFO'], ['null', 'a device'], ['.', 'a folder']] as const) {
      const out = await runCli(['codeowners', '--out', path.join(scratch, name)], { cwd: dir, engine: absentEngine() });
      assert.is(out.code, 2, out.err);
      assert.match(out.err, new RegExp(`^error\\[E_NOT_A_FILE\\]: .* is ${what}, not a regular file: chain does not write over it`, 'm'));
    }
    assert.ok(statSync(path.join(scratch, 'null')).isCharacterDevice(), 'the device is still a device');
    assert.ok(statSync(path.join(scratch, 'fifo')).isFIFO());
  } finally {
    removeDirs(scratch);
  }
});

test('chain patch through symlinks: chain.yaml and a layer.yaml that are links get bumped in their targets; the links stay', async () => {
  const repo = exampleRepo();
  try {
    // site's version in chain.yaml (a link to real-chain.yaml); httpd's layer.yaml a link to a file beside it.
    const siteLayer = path.join(repo, 'layers/app/site/layer.yaml');
    writeFileSync(siteLayer, readFileSync(siteLayer, 'utf8').replace(/^version: .*\n/m, ''));
    writeFileSync(path.join(repo, 'real-chain.yaml'), readFileSync(path.join(repo, 'chain.yaml'), 'utf8').replace('path: layers/app/site\n', 'path: layers/app/site\n    version: 1.0.0\n'));
    rmSync(path.join(repo, 'chain.yaml'));
    symlinkSync('real-chain.yaml', path.join(repo, 'chain.yaml'));
    const httpdLayer = path.join(repo, 'layers/middleware/httpd/layer.yaml');
    renameSync(httpdLayer, path.join(repo, 'layers/middleware/httpd/real-layer.yaml'));
    symlinkSync('real-layer.yaml', httpdLayer);
    const r = await runCli(['patch', 'corebuild', '--reason', 'CVE'], { cwd: repo, engine: absentEngine() });
    assert.is(r.code, 0, r.err);
    assert.ok(lstatSync(path.join(repo, 'chain.yaml')).isSymbolicLink() && lstatSync(httpdLayer).isSymbolicLink(), 'links stay links');
    assert.match(readFileSync(path.join(repo, 'real-chain.yaml'), 'utf8'), /path: layers\/app\/site\n {4}version: 1\.0\.1\n/);
    assert.match(readFileSync(path.join(repo, 'layers/middleware/httpd/real-layer.yaml'), 'utf8'), /^version: 2\.4\.1$/m);
  } finally {
    removeDirs(repo);
  }
});

test.run();
