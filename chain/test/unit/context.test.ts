/** Build contexts on disk, with and without git: what is hashed and what is sent. No engine. */
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { snapshotContext } from '../../adapters/context.js';
import { GitRepo } from '../../adapters/git.js';
import { git, removeDirs, tempDir } from '../helpers.js';

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
  const index = (await new GitRepo(repo).facts()).index;
  assert.ok(index && index.size === 4);
  const withGit = snapshotContext(repo, 'ctx', 'Dockerfile', index);
  const withoutGit = snapshotContext(plain, 'ctx', 'Dockerfile');
  assert.equal(withGit.files, withoutGit.files);
  assert.is(withGit.files['run.sh']?.split(' ')[0], '100755');
  assert.is(withGit.files.link?.split(' ')[0], '120000');
  // A modified tracked file is hashed from the work tree, not taken from the index.
  writeFileSync(path.join(repo, 'ctx', 'sub', 'a.txt'), 'changed\n');
  const after = snapshotContext(repo, 'ctx', 'Dockerfile', (await new GitRepo(repo).facts()).index);
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
  assert.ok(snap.folders.has('docs'), 'the folder of a re-included file is sent');
  removeDirs(dir);
});

test.run();
