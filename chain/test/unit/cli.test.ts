/** The command line: options per command, help that explains each, results rendered in one place. */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
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
});

test("option mistakes are said in chain's words, never the argument parser's, with the usage as the hint", async () => {
  const cases: [string[], string][] = [
    [['plan', '--since'], '--since needs a value: --since <git ref>'],
    [['plan', '--since', '--json'], "--since needs a value, and was followed by '--json'; a value that starts with a dash is given with =: --since=--json"],
    [['plan', '--jsn'], 'chain plan takes no option --jsn: did you mean --json?'],
    [['build', '--test-timout', '5'], 'chain build takes no option --test-timout: did you mean --test-timeout?'],
    [['owners', '-j', '4'], 'chain owners takes no option -j (--jobs)'],
    [['owners', '-x'], 'chain owners takes no option -x'],
    [['owners', '--json=yes'], "--json takes no value (it was given 'yes')"],
    [['graph', '--format'], '--format needs a value: --format text|dot|mermaid|json'],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli([...example, ...argv], { cwd: repoRoot });
    assert.is(r.code, 2, r.err);
    const name = argv[0] as string;
    assert.is(r.err.split('\n')[0], `error[E_USAGE]: ${message}`);
    assert.ok(r.err.includes(`  hint: usage: chain ${name} `), r.err);
    assert.not.match(r.err, /Option '|Unknown option|argument missing|ERR_PARSE_ARGS|\n\s+at /);
    assert.is(r.out, '');
  }
  // Every mistake of one command line is said, each once.
  const two = await runCli(['plan', '--jsn', '--forse', ...example], { cwd: repoRoot });
  assert.is(two.err.match(/error\[E_USAGE\]/g)?.length, 2, two.err);
});

test('an unknown command is a usage error with the command meant', async () => {
  const r = await runCli(['biuld'], { cwd: repoRoot });
  assert.is(r.code, 2);
  assert.match(r.err, /^error\[E_USAGE\]: unknown command 'biuld': did you mean build\?\n  hint: commands: plan, build, /);
  const far = await runCli(['deploy'], { cwd: repoRoot });
  assert.match(far.err, /^error\[E_USAGE\]: unknown command 'deploy'\n/);
});

test('the same option is accepted where the command takes it', async () => {
  const r = await runCli(['owners', '--json', ...example], { cwd: repoRoot });
  assert.is(r.code, 0, r.err);
  const owners = JSON.parse(r.out) as { chain: string; nodes: { node: string; owner: string }[] };
  assert.is(owners.chain, 'acme');
  assert.equal(owners.nodes.find((n) => n.node === 'httpd')?.owner, 'middleware');
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
