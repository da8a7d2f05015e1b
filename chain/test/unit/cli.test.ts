/** The command line: options per command, help that explains each, results rendered in one place. */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../../cli/commands/index.js';
import { OPTIONS } from '../../cli/options.js';
import { repoRoot, runCli } from '../helpers.js';

const example = ['--file', path.join(repoRoot, 'chain.yaml')];

test('an option a command does not take is a usage error naming it, with the command usage as the hint', async () => {
  const r = await runCli(['owners', '--push', ...example], { cwd: repoRoot });
  assert.is(r.code, 2);
  assert.is(r.err, 'error[E_USAGE]: chain owners takes no option --push\n  hint: usage: chain owners [--json] [--file <chain.yaml>] (chain owners --help explains each)');
  assert.is(r.out, '');
  const jobs = await runCli(['owners', '--jobs', '9', ...example], { cwd: repoRoot });
  assert.is(jobs.code, 2);
  assert.match(jobs.err, /chain owners takes no option --jobs/);
  const missing = await runCli(['plan', '--since'], { cwd: repoRoot });
  assert.is(missing.code, 2);
  assert.match(missing.err, /^error\[E_USAGE\]: chain plan: Option '--since <value>' argument missing/);
});

test('the same option is accepted where the command takes it', async () => {
  const r = await runCli(['owners', '--json', ...example], { cwd: repoRoot });
  assert.is(r.code, 0, r.err);
  const owners = JSON.parse(r.out) as { chain: string; nodes: { node: string; owner: string }[] };
  assert.is(owners.chain, 'acme');
  assert.equal(owners.nodes.find((n) => n.node === 'httpd')?.owner, 'middleware');
});

test('every command declares only known options, and its help lists each with what it means', async () => {
  for (const [name, spec] of Object.entries(commands)) {
    for (const option of spec.options) assert.ok(Object.hasOwn(OPTIONS, option), `${name}: unknown option ${option}`);
    const r = await runCli([name, '--help'], { cwd: repoRoot });
    assert.is(r.code, 0);
    assert.ok(r.out.startsWith(`Usage: chain ${name}`), r.out);
    for (const option of [...spec.options, 'file', 'help'] as const) assert.ok(r.out.includes(`--${option}`) && r.out.includes(OPTIONS[option].help), `${name} --help explains --${option}:\n${r.out}`);
  }
});

test('text and JSON are two renderings of the same result', async () => {
  const text = await runCli(['graph', '--format', 'mermaid', ...example], { cwd: repoRoot });
  const json = await runCli(['graph', '--json', ...example], { cwd: repoRoot });
  assert.is(text.code, 0, text.err);
  const data = JSON.parse(json.out) as { edges: { from: string; to: string }[] };
  for (const e of data.edges) assert.ok(text.out.includes(`n_${e.from} --> n_${e.to}`), `${e.from} -> ${e.to} in:\n${text.out}`);
  const bad = await runCli(['graph', '--format', 'png', ...example], { cwd: repoRoot });
  assert.is(bad.code, 2);
  assert.match(bad.err, /unknown graph format 'png'/);
});

test.run();
