/** An engine that cannot be reached, and fingerprints with and without git. */
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { snapshotContext } from '../../adapters/context.js';
import { DockerEngine } from '../../adapters/docker.js';
import { GitRepo } from '../../adapters/git.js';
import { exampleRepo, git, removeDirs, runCli, tempDir } from '../helpers.js';

const dead = new DockerEngine(new Docker({ socketPath: '/nonexistent/docker.sock' }));

test('plan with no engine says so once and plans as if no image existed', async () => {
  const dir = exampleRepo();
  const r = await runCli(['plan'], { cwd: dir, engine: dead });
  assert.is(r.code, 0, r.err);
  assert.is(r.err.split('\n').filter((l) => l.includes('cannot reach the Docker Engine')).length, 1, r.err);
  assert.ok(r.out.includes('6 to build, 0 up to date'), r.out);
  const json = await runCli(['plan', '--json'], { cwd: dir, engine: dead });
  assert.is((JSON.parse(json.out) as { storeReachable: boolean }).storeReachable, false);
  removeDirs(dir);
});

test('build with no engine: one clear line, exit 3, no stack trace', async () => {
  const dir = exampleRepo();
  const r = await runCli(['build'], { cwd: dir, engine: dead });
  assert.is(r.code, 3);
  assert.ok(r.err.includes('error[E_ENGINE_UNREACHABLE]'), r.err);
  assert.ok(r.err.includes('hint: '), r.err);
  assert.not.match(r.err, /\n\s+at /);
  removeDirs(dir);
});

test('a missing base image fails its children with one line, and blocks theirs (no hang)', async () => {
  const dir = exampleRepo();
  const file = path.join(dir, 'chain.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('image: vendor/busybox:1.35', 'image: vendor/never-made:1.0'));
  rmSync(path.join(dir, 'chain.lock'), { force: true });
  const r = await runCli(['build', '--json'], { cwd: dir, engine: new DockerEngine() });
  assert.is(r.code, 1, r.err);
  const summary = JSON.parse(r.out) as { nodes: { name: string; status: string; error?: string }[] };
  assert.is(summary.nodes.find((n) => n.name === 'corebuild')?.error, 'base image vendor/never-made:1.0 (node busybox) is not in the image store: make or pull it, or pin the one you have with chain update');
  assert.ok(summary.nodes.filter((n) => n.name !== 'corebuild').every((n) => n.status === 'blocked'));
  removeDirs(dir);
});

test('a context hashes the same with git blob hashes as without git', async () => {
  const plain = tempDir();
  const ctx = path.join(plain, 'ctx');
  mkdirSync(path.join(ctx, 'sub'), { recursive: true });
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM base\n');
  writeFileSync(path.join(ctx, 'sub', 'a.txt'), 'a\n');
  writeFileSync(path.join(ctx, 'run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(ctx, 'run.sh'), 0o755);
  symlinkSync('sub/a.txt', path.join(ctx, 'link'));
  const repo = tempDir();
  cpSync(plain, repo, { recursive: true, verbatimSymlinks: true });
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.email=t@x', '-c', 'user.name=t', 'commit', '-qm', 'x');
  const index = await new GitRepo(repo).index();
  assert.ok(index && index.size === 4);
  const withGit = snapshotContext(repo, 'ctx', 'Dockerfile', index);
  const withoutGit = snapshotContext(plain, 'ctx', 'Dockerfile');
  assert.equal(withGit.files, withoutGit.files);
  assert.is(withGit.files['run.sh']?.split(' ')[0], '100755');
  assert.is(withGit.files.link?.split(' ')[0], '120000');
  // A modified tracked file is hashed from the work tree, not taken from the index.
  writeFileSync(path.join(repo, 'ctx', 'sub', 'a.txt'), 'changed\n');
  const after = snapshotContext(repo, 'ctx', 'Dockerfile', await new GitRepo(repo).index());
  assert.is.not(after.files['sub/a.txt'], withGit.files['sub/a.txt']);
  removeDirs(plain, repo);
});

test('.dockerignore: patterns, exceptions, and the Dockerfile always sent', () => {
  const dir = tempDir();
  const ctx = path.join(dir, 'c');
  for (const f of ['Dockerfile', 'a.log', 'keep.log', 'sub/b.log', 'secret/key', 'docs/x.md', 'docs/keep.md']) {
    mkdirSync(path.dirname(path.join(ctx, f)), { recursive: true });
    writeFileSync(path.join(ctx, f), f);
  }
  writeFileSync(path.join(ctx, '.dockerignore'), '# comment\n*.log\n!keep.log\nsecret\ndocs\n!docs/keep.md\nDockerfile\n');
  const snap = snapshotContext(dir, 'c', 'Dockerfile');
  assert.equal(Object.keys(snap.files).sort(), ['.dockerignore', 'Dockerfile', 'docs/keep.md', 'keep.log', 'sub/b.log']);
  assert.ok(snap.entries.has('docs'), 'the folder of a re-included file is sent');
  removeDirs(dir);
});

test.run();
