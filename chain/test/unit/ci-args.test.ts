/** What chain ci puts into each job's command: user text read as shell words, checked, quoted again. */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PASS_THROUGH, SET_BY_CI, jobCommand } from '../../cli/ci-args.js';
import { commands } from '../../cli/commands/index.js';
import { buildCommand } from '../../cli/render/ci-common.js';
import { ChainError } from '../../core/errors.js';
import { parseWords, quoteWord } from '../../core/shell-words.js';

function refused(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
    assert.unreachable('accepted');
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    assert.is(err.code, code);
    assert.match(err.problems[0]?.message ?? '', pattern);
    assert.ok(err.problems[0]?.hint, 'with a hint');
  }
}

/** The words a POSIX shell makes of a command line, with `env` in its environment. */
function shellWords(line: string, env: Record<string, string> = {}): string[] {
  const out = execFileSync('sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return out.split('\0').slice(0, -1);
}

test('words come back quoted so that the shell sees the same words and expands only the references', () => {
  const input = `--reason "it's \\"patched\\" \\$5 on $HOST" --sign-key \${KEY} 'a b;c' plain x=$Y\\ z`;
  const quoted = parseWords(input, '--chain-args').map(quoteWord).join(' ');
  assert.equal(shellWords(quoted, { HOST: 'h 1', KEY: '/k/key', Y: '$(id)' }), ['--reason', 'it\'s "patched" $5 on h 1', '--sign-key', '/k/key', 'a b;c', 'plain', 'x=$(id) z']);
});

test('shell syntax, command substitution and CI templates are refused', () => {
  for (const bad of ['--reason $(cat /etc/passwd)', '--reason "`id`"', '--reason x; rm -rf /', "--reason 'open", '--reason ${{ secrets.KEY }}', '--reason {{workflow.name}}', '--reason $1']) {
    refused(() => parseWords(bad, '--chain-args'), 'E_CI_ARGS', /--chain-args: /);
  }
});

test('pass-through: only chain build options, none chain ci sets, values where they take one, no key in clear', () => {
  const ok = jobCommand(undefined, `--sign-key "$CHAIN_SIGN_KEY" --reason="nightly $CI_PIPELINE_ID" -v --test-timeout 300`);
  assert.equal([...ok.refs].sort(), ['CHAIN_SIGN_KEY', 'CI_PIPELINE_ID']);
  assert.equal([...jobCommand(undefined, `--reason='costs $5'`).refs], [], 'single quotes: text, no reference');
  refused(() => jobCommand(undefined, '--push'), 'E_CI_ARGS', /--push is chain ci's to set/);
  refused(() => jobCommand(undefined, '--only'), 'E_CI_ARGS', /--only is chain ci's to set/);
  refused(() => jobCommand(undefined, '--since main'), 'E_CI_ARGS', /--since is chain ci's to set/);
  refused(() => jobCommand(undefined, '-f other.yaml'), 'E_CI_ARGS', /--file is chain ci's to set/);
  refused(() => jobCommand(undefined, '--dry-run'), 'E_CI_ARGS', /chain build takes no option --dry-run/);
  refused(() => jobCommand(undefined, 'httpd'), 'E_CI_ARGS', /'httpd' is not an option/);
  refused(() => jobCommand(undefined, '--sign-key'), 'E_CI_ARGS', /--sign-key needs a value/);
  refused(() => jobCommand(undefined, '--atomic=yes'), 'E_CI_ARGS', /--atomic takes no value/);
  refused(() => jobCommand(undefined, `--sign-key '-----BEGIN PRIVATE KEY-----'`), 'E_CI_ARGS', /looks like a key itself/);
  refused(() => jobCommand('', undefined), 'E_CI_ARGS', /--chain-command is empty/);
});

test('every option of chain build is either passed through or set by chain ci', () => {
  for (const option of commands.build?.options ?? []) assert.ok(PASS_THROUGH.includes(option) || Object.hasOwn(SET_BY_CI, option), `chain build --${option}`);
  for (const option of PASS_THROUGH) assert.ok(commands.build?.options.includes(option), `chain build takes --${option}`);
});

test("a job's command: the chain command, build, its nodes, --only --push, --file when needed, the options", () => {
  const job = jobCommand("node 'tools/my chain/main.js'", '--sign-key "$CHAIN_SIGN_KEY"');
  const line = buildCommand({ job, registry: 'r/acme', parallelism: 1, chainFile: 'ops/chain.yaml' }, ['2fa.svc', 'a_b']);
  assert.is(line, `node 'tools/my chain/main.js' build 2fa.svc a_b --only --push --file ops/chain.yaml --sign-key "\${CHAIN_SIGN_KEY}"`);
  assert.equal(shellWords(line, { CHAIN_SIGN_KEY: '/tmp/k' }), ['node', 'tools/my chain/main.js', 'build', '2fa.svc', 'a_b', '--only', '--push', '--file', 'ops/chain.yaml', '--sign-key', '/tmp/k']);
});

test.run();
