/**
 * check-owners against what a non-member would try, in a real git repository: every way around
 * the old checks is caught, and a normal cascade by the team that owns its origin is not.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { absentEngine, exampleRepo, git, removeDirs, runCli, tempDir } from '../helpers.js';

interface Found {
  author: string;
  file: string;
  node: string;
  rule: string;
}

const WEB = 'web@acme.example';
const OPS = 'ops@acme.example';

/** A fresh example repository, the changes made by `steps`, and what check-owners says of them. */
async function check(steps: (dir: string) => void | Promise<void>): Promise<{ code: number; found: string[]; out: string }> {
  const dir = exampleRepo();
  try {
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    await steps(dir);
    const r = await runCli(['check-owners', '--since', base, '--json'], { cwd: dir, engine: absentEngine() });
    const violations = r.code === 2 ? [] : (JSON.parse(r.out) as { violations: Found[] }).violations;
    return { code: r.code, found: violations.map((v) => `${v.author} ${v.rule} ${v.file} ${v.node}`), out: r.out + r.err };
  } finally {
    removeDirs(dir);
  }
}

const commitAs = (dir: string, email: string, message: string, ...args: string[]) => git(dir, '-c', `user.email=${email}`, '-c', 'user.name=someone', 'commit', '-q', ...args, '-m', message);
const edit = (dir: string, file: string, change: (text: string) => string) => writeFileSync(path.join(dir, file), change(readFileSync(path.join(dir, file), 'utf8')));

test('a digest swapped in chain.lock by a non-member is a pins violation; by the node owner it is not', async () => {
  const swap = (text: string) => text.replace(/"digest": "sha256:[0-9a-f]{64}"/, `"digest": "sha256:${'e'.repeat(64)}"`);
  const r = await check((dir) => {
    edit(dir, 'chain.lock', swap);
    commitAs(dir, WEB, 'a better base', '-a');
  });
  assert.equal(r.found, [`${WEB} pins chain.lock busybox`]);
  const ok = await check((dir) => {
    edit(dir, 'chain.lock', swap);
    commitAs(dir, OPS, 'ops moves its pin', '-a');
  });
  assert.equal(ok.found, []);
});

test('node keys in chain.yaml: dockerfile and source are the admins\', args, test and version the owning team\'s', async () => {
  const r = await check((dir) => {
    edit(dir, 'chain.yaml', (y) => y.replace('path: layers/core/corebuild\n', 'path: layers/core/corebuild\n    dockerfile: Dockerfile\n'));
    commitAs(dir, WEB, 'dockerfile', '-a');
    edit(dir, 'chain.yaml', (y) => y.replace('path: layers/middleware/runtime\n', 'path: layers/middleware/runtime\n    args: { MODE: evil }\n'));
    commitAs(dir, WEB, 'args', '-a');
    edit(dir, 'chain.yaml', (y) => y.replace('path: layers/app/site\n', 'path: layers/app/site\n    dockerfile: Dockerfile\n'));
    commitAs(dir, WEB, 'web names its own dockerfile', '-a');
  });
  assert.equal(r.found, [`${WEB} chain-governance chain.yaml corebuild`, `${WEB} node-keys chain.yaml runtime`, `${WEB} chain-governance chain.yaml site`]);
});

test('git mv out of another team\'s folder counts the side it left; emptying a policy is the admins\'', async () => {
  const r = await check((dir) => {
    git(dir, 'mv', 'layers/core/corebuild/etc/motd', 'layers/app/site/motd');
    commitAs(dir, WEB, 'take the banner');
    writeFileSync(path.join(dir, 'policies/supply-chain.yaml'), '');
    commitAs(dir, WEB, 'no more policy', '-a');
  });
  assert.equal(r.found, [`${WEB} node-folder layers/core/corebuild/etc/motd corebuild`, `${WEB} policies policies/supply-chain.yaml -`]);
});

test("a merge commit's own edits are checked: another team's folder changed in the merge is caught", async () => {
  const r = await check((dir) => {
    git(dir, 'checkout', '-qb', 'feature');
    edit(dir, 'layers/app/site/public/index.html', (t) => `${t}<p>web</p>\n`);
    commitAs(dir, WEB, 'web work', '-a');
    git(dir, 'checkout', '-q', 'main');
    edit(dir, 'layers/app/report/report.sh', (t) => `${t}# data work\n`);
    commitAs(dir, 'data@acme.example', 'data work', '-a');
    git(dir, '-c', `user.email=${WEB}`, '-c', 'user.name=web', 'merge', '-q', '--no-ff', '--no-commit', 'feature');
    edit(dir, 'layers/core/corebuild/etc/motd', (t) => `${t}slipped in\n`);
    git(dir, 'add', '-A');
    commitAs(dir, WEB, 'merge feature');
  });
  assert.equal(r.found, [`${WEB} node-folder layers/core/corebuild/etc/motd corebuild`]);
});

test("chain patch by the team owning the origin is a cascade: other teams' version bumps are not flagged; a bump without its origin is", async () => {
  const ok = await check(async (dir) => {
    const patched = await runCli(['patch', 'corebuild', '--reason', 'CVE-1'], { cwd: dir, engine: absentEngine() });
    assert.is(patched.code, 0, patched.err);
    commitAs(dir, OPS, 'patch cascade', '-a');
  });
  assert.equal(ok.found, []);
  const r = await check((dir) => {
    edit(dir, 'layers/app/report/layer.yaml', (t) => t.replace(/^version: .*$/m, 'version: 9.9.9'));
    commitAs(dir, OPS, 'a bump with no cascade behind it', '-a');
  });
  assert.equal(r.found, [`${OPS} node-folder layers/app/report/layer.yaml report`]);
});

test('requireSignedCommits: the signer, not the author git records, is who made the change; unsigned commits are violations', async () => {
  const keys = tempDir();
  try {
    const keygen = (name: string) => {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(keys, name)]);
      return readFileSync(path.join(keys, `${name}.pub`), 'utf8').trim();
    };
    const [ops, web] = [keygen('ops'), keygen('web')];
    const signed = (dir: string, key: string, email: string, message: string) =>
      git(dir, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${path.join(keys, key)}`, '-c', `user.email=${email}`, '-c', 'user.name=x', 'commit', '-q', '-S', '-a', '-m', message);
    const r = await check((dir) => {
      edit(dir, 'chain.yaml', (y) =>
        y
          .replace(/^admins: \[ops\].*$/m, 'admins: [ops]\nrequireSignedCommits: true')
          .replace('ops:        { members: [ops-lead@acme.example, ops@acme.example], contact: "#ops" }', `ops:        { members: [ops-lead@acme.example, ops@acme.example], contact: "#ops", signingKeys: { ops@acme.example: "${ops}" } }`)
          .replace('web:        { members: [web@acme.example], contact: "#web" }', `web:        { members: [web@acme.example], contact: "#web", signingKeys: { web@acme.example: "${web}" } }`),
      );
      commitAs(dir, OPS, 'signing required', '-a');
      edit(dir, 'layers/core/corebuild/etc/motd', (t) => `${t}ops, signed\n`);
      signed(dir, 'ops', OPS, 'ops signs its change');
      edit(dir, 'layers/core/corebuild/etc/motd', (t) => `${t}web, posing as ops\n`);
      signed(dir, 'web', OPS, 'web signs, with ops as the author');
      edit(dir, 'layers/core/corebuild/etc/motd', (t) => `${t}unsigned\n`);
      commitAs(dir, OPS, 'unsigned, author ops', '-a');
    });
    // The first commit (turning signing on) is checked under the rules before it: unsigned, but allowed.
    assert.equal(r.found, [`${OPS} node-folder layers/core/corebuild/etc/motd corebuild`, `${OPS} signature - -`], r.out);
  } finally {
    removeDirs(keys);
  }
});

test.run();
