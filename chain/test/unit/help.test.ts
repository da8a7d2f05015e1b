/** Help: chain help, chain help <command>, chain <command> --help; every option with its meaning and default. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands, optionFor } from '../../cli/commands/index.js';
import { DEFAULT_JOBS, DEFAULT_KEEP, DEFAULT_PARALLELISM, DEFAULT_TEST_TIMEOUT_S } from '../../cli/defaults.js';
import { OPTIONS, type OptionName } from '../../cli/options.js';
import { repoRoot, runCli } from '../helpers.js';

test('chain help and chain --help print the overview; chain with nothing is a usage error', async () => {
  for (const argv of [['help'], ['--help'], ['-h']]) {
    const r = await runCli(argv, { cwd: repoRoot });
    assert.is(r.code, 0, argv.join(' '));
    for (const name of Object.keys(commands)) assert.ok(r.out.includes(`  ${name} `), `${argv.join(' ')} names ${name}`);
    assert.match(r.out, /chain help <command>/);
  }
  const none = await runCli([], { cwd: repoRoot });
  assert.is(none.code, 2);
});

test('chain help <command> is chain <command> --help; an unknown one is a usage error with the one meant', async () => {
  const a = await runCli(['help', 'build'], { cwd: repoRoot });
  const b = await runCli(['build', '--help'], { cwd: repoRoot });
  const c = await runCli(['build', '-h'], { cwd: repoRoot });
  assert.is(a.code, 0);
  assert.is(a.out, b.out);
  assert.is(a.out, c.out);
  const despite = await runCli(['build', '--jbos', '-h'], { cwd: repoRoot });
  assert.is(despite.code, 0, 'help wins over a mistake on the same line');
  assert.is(despite.out, a.out);
  const bad = await runCli(['help', 'pland'], { cwd: repoRoot });
  assert.is(bad.code, 2);
  assert.match(bad.err, /^error\[E_USAGE\]: unknown command 'pland': did you mean plan\?/);
});

test('every command --help lists every option it takes, with its meaning and its default (or that it is required)', async () => {
  for (const [name, spec] of Object.entries(commands)) {
    for (const option of spec.options) assert.ok(Object.hasOwn(OPTIONS, option), `${name}: unknown option ${option}`);
    const r = await runCli([name, '--help'], { cwd: repoRoot });
    assert.is(r.code, 0, r.err);
    assert.ok(r.out.startsWith(`Usage: chain ${name}`), r.out);
    assert.ok(r.out.includes(spec.summary));
    for (const option of [...spec.options, 'file', 'help'] as const) {
      const o = optionFor(spec, option);
      const line = (r.out.split('\nOptions:\n')[1] ?? '').split('\n').find((l) => l.includes(`--${option}${o.value ? ` ${o.value}` : ''} `));
      assert.ok(line, `${name} --help lists --${option}:\n${r.out}`);
      assert.ok(line?.includes(o.help), `${name} --help explains --${option}: ${line}`);
      if (o.type === 'string') {
        assert.ok(o.required || o.default, `${name} --${option} takes a value: its help must say its default, or that it is required`);
        assert.ok(line?.includes(o.required ? '(required)' : `(default: ${o.default})`), `${name} --${option} states it: ${line}`);
      }
      if (o.short) assert.ok(line?.includes(`-${o.short}, --${option}`), line);
    }
    assert.match(r.out, /switches, off unless given/);
  }
});

test('defaults and units in the help are the ones the commands apply', () => {
  const opt = (name: OptionName) => OPTIONS[name] as { value?: string; default?: string; help: string };
  assert.is(opt('test-timeout').value, '<seconds>');
  assert.match(opt('test-timeout').help, /in seconds/);
  assert.is(opt('test-timeout').default, String(DEFAULT_TEST_TIMEOUT_S));
  assert.is(opt('keep').default, String(DEFAULT_KEEP));
  assert.is(opt('parallelism').default, String(DEFAULT_PARALLELISM));
  assert.ok(opt('jobs').default?.startsWith(`${DEFAULT_JOBS} here`));
  assert.is(opt('max-jobs').default, 'gitlab 500, github 256, argo 500');
  // Every option with a value, in the table or in a command's own words, says what applies without it.
  for (const [name, o] of Object.entries(OPTIONS) as [OptionName, { type: string; default?: string }][]) {
    if (o.type !== 'string') continue;
    const users = Object.values(commands).filter((c) => c.options.includes(name) || name === 'file');
    for (const c of users) {
      const eff = optionFor(c, name);
      assert.ok(eff.default || eff.required, `--${name} (${c.summary.slice(0, 30)}...) has a default or is required`);
    }
  }
});

test.run();
