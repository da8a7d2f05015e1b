/** Ownership from chain.yaml and git history, with no engine: owners, CODEOWNERS, check-owners. */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { absentEngine, exampleRepo, git, removeDirs, runCli } from '../helpers.js';

const dir = exampleRepo();
const engine = absentEngine();
const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
test.after(() => removeDirs(dir));

test('owners lists every node with its team, members and contact', async () => {
  const r = await cli('owners', '--json');
  const data = JSON.parse(r.out) as { admins: string[]; nodes: { node: string; owner: string; members: string[]; contact: string | null }[] };
  assert.equal(data.admins, ['ops']);
  assert.equal(data.nodes.find((n) => n.node === 'site'), { node: 'site', tier: 'app', owner: 'web', members: ['web@acme.example'], contact: '#web', admin: false });
  assert.is(data.nodes[0]?.node, 'busybox', 'lowest tier first');
});

test('codeowners writes the file; --check fails when chain.yaml changed after it', async () => {
  assert.is((await cli('codeowners')).code, 0);
  const text = readFileSync(path.join(dir, 'CODEOWNERS'), 'utf8');
  assert.match(text, /^\/chain\.yaml ops-lead@acme\.example ops@acme\.example$/m);
  assert.match(text, /^\/layers\/app\/site\/ web@acme\.example$/m);
  assert.is((await cli('codeowners', '--check')).code, 0);
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: data', 'owner: web'));
  const stale = await cli('codeowners', '--check');
  assert.is(stale.code, 1);
  assert.match(stale.err, /error\[E_CODEOWNERS_STALE\]/);
  git(dir, 'checkout', '--', 'chain.yaml');
});

test('check-owners catches a change by a non-member and a graph change by a non-admin', async () => {
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  const commitAs = (email: string, message: string) => git(dir, '-c', `user.email=${email}`, '-c', 'user.name=someone', 'commit', '-qam', message);
  appendFileSync(path.join(dir, 'layers/app/site/public/index.html'), '<p>by the web team</p>\n');
  commitAs('web@acme.example', 'web edits its own site');
  appendFileSync(path.join(dir, 'layers/core/corebuild/etc/motd'), 'sneaky\n');
  commitAs('web@acme.example', 'web edits the core build');
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: data', 'owner: web'));
  commitAs('web@acme.example', 'web takes over report');
  writeFileSync(path.join(dir, 'chain.yaml'), readFileSync(path.join(dir, 'chain.yaml'), 'utf8').replace('owner: web\n    path: layers/app/report', 'owner: data\n    path: layers/app/report'));
  commitAs('ops@acme.example', 'ops puts it back');
  const r = await cli('check-owners', '--since', base, '--json');
  assert.is(r.code, 1, r.err);
  const { violations } = JSON.parse(r.out) as { violations: { author: string; file: string; node: string; owner: string; rule: string }[] };
  assert.equal(violations.map((v) => [v.author, v.file, v.node, v.owner, v.rule]), [
    ['web@acme.example', 'layers/core/corebuild/etc/motd', 'corebuild', 'ops', 'node-folder'],
    ['web@acme.example', 'chain.yaml', 'report', 'admins (ops)', 'chain-governance'],
  ]);
  const human = await cli('check-owners', '--since', base);
  assert.match(human.out, /COMMIT +AUTHOR +RULE +FILE +NODE +MAY CHANGE IT +WHAT/);
  assert.match(human.out, /chain-governance +chain\.yaml +report +admins \(ops\) +changed node report \(owner\)/);
  assert.is((await cli('check-owners', '--since', 'HEAD')).out, 'No ownership violations in 0 commits since HEAD.');
  assert.is((await cli('check-owners', '--since', 'no-such-ref')).code, 2);
});

test.run();
