/** The command table: what each command takes and does. Each command's code is loaded only when it runs. */
import type { Command } from '../command.js';
import { COMMON_OPTIONS, OPTIONS, optionUsage, type OptionName, type OptionSpec } from '../options.js';

export interface CommandSpec {
  summary: string;
  /** the positional arguments, for usage lines */
  synopsis: string;
  /** the options it takes besides --file and --help */
  options: readonly OptionName[];
  /** what an option means for this command, where the table's general words are not enough */
  optionHelp?: Partial<Record<OptionName, Partial<OptionSpec>>>;
  load: () => Promise<{ command: Command<unknown> }>;
}

export const commands: Record<string, CommandSpec> = {
  plan: { summary: 'what must be rebuilt and why, by wave and by owner', synopsis: '[node...]', options: ['since', 'json', 'force', 'only', 'builder'], load: () => import('./plan.js') },
  build: {
    summary: 'build what the plan says, in parallel, test each image, promote what succeeded',
    synopsis: '[node...]',
    options: ['since', 'json', 'jobs', 'builder', 'fail-fast', 'atomic', 'no-wait', 'test-timeout', 'push', 'sign-key', 'require-clean', 'reason', 'force', 'verbose', 'only'],
    load: () => import('./build.js'),
  },
  patch: {
    summary: "bump a node's version and cascade patch bumps to every descendant that accepts it",
    synopsis: '<node>',
    options: ['level', 'reason', 'dry-run', 'json'],
    optionHelp: { reason: { help: 'why, recorded in the provenance of every image the cascade builds', default: '"<level> bump of <node> to <version>"' } },
    load: () => import('./patch.js'),
  },
  update: {
    summary: 'resolve external images again and rewrite the pins in chain.lock that moved (--check: report drift)',
    synopsis: '[node...]',
    options: ['check', 'json'],
    optionHelp: { check: { help: 'only report drift: write nothing, exit 1 when a pin moved' } },
    load: () => import('./update.js'),
  },
  nightly: {
    summary: 'the unattended cascade: update pins, bump, build, test, push, sign, commit on a branch, report',
    synopsis: '',
    options: ['push', 'sign-key', 'out', 'jobs', 'test-timeout', 'verbose', 'json'],
    optionHelp: { out: { value: '<folder>', help: 'the folder the report is written to (nightly-<date>.json and .md)', default: '.chain/reports beside chain.yaml' } },
    load: () => import('./nightly.js'),
  },
  lint: { summary: 'apply the policies in policies/ (file:line:col, rule, node, message; grouped by owner)', synopsis: '[node...]', options: ['json'], load: () => import('./lint.js') },
  provenance: { summary: "a node's latest signed provenance (in-toto statement, SLSA provenance)", synopsis: '<node>', options: ['json'], load: () => import('./provenance.js') },
  verify: { summary: 'verify the chain of custody of an image down to its base', synopsis: '<node | image reference>', options: ['json'], load: () => import('./verify.js') },
  why: { summary: "an image's family tree: each layer's owner, version and digest", synopsis: '<node | image reference>', options: ['json'], load: () => import('./why.js') },
  owners: { summary: 'every node with its tier, owning team, members and contact', synopsis: '', options: ['json'], load: () => import('./owners.js') },
  codeowners: {
    summary: 'write CODEOWNERS from chain.yaml (--check: fail when it is out of date)',
    synopsis: '',
    options: ['check', 'out'],
    optionHelp: {
      check: { help: 'only check: write nothing, exit 1 when the file is not what chain.yaml says' },
      out: { value: '<file>', help: 'the file to write (or check)', default: 'CODEOWNERS beside chain.yaml' },
    },
    load: () => import('./codeowners.js'),
  },
  'check-owners': {
    summary: 'flag changes since a git ref made outside the owning team',
    synopsis: '--since <git ref>',
    options: ['since', 'json'],
    optionHelp: { since: { help: 'check every commit after this commit, branch or tag, up to HEAD', required: true } },
    load: () => import('./check-owners.js'),
  },
  keys: {
    summary: 'make an Ed25519 key pair for signing provenance',
    synopsis: 'generate',
    options: ['out', 'name', 'json'],
    optionHelp: { out: { value: '<folder>', help: 'the folder the key pair is written to (the private key is git-ignored there)', default: 'keys/' } },
    load: () => import('./keys.js'),
  },
  prune: {
    summary: 'list the fingerprint images no release tag needs beyond the newest N of each node, in the registry and the engine (--apply: delete them)',
    synopsis: '[node...]',
    options: ['keep', 'apply', 'json'],
    load: () => import('./prune.js'),
  },
  ci: {
    summary: 'the plan as a CI pipeline (GitLab CI, GitHub Actions, Argo Workflows): one job per node to build, needs = its parents',
    synopsis: '--format gitlab|github|argo [node...]',
    options: ['format', 'since', 'all', 'chain-command', 'chain-args', 'image', 'max-jobs', 'parallelism', 'json'],
    optionHelp: {
      format: { value: 'gitlab|github|argo', help: 'the CI engine the pipeline is for', required: true },
      json: { help: 'print the pipeline as JSON instead of YAML' },
    },
    load: () => import('./ci.js'),
  },
  graph: {
    summary: 'the graph by tier with owners (text, dot, mermaid or json)',
    synopsis: '',
    options: ['format', 'json'],
    optionHelp: { format: { value: 'text|dot|mermaid|json', help: 'output format', default: 'text (json with --json)' } },
    load: () => import('./graph.js'),
  },
};

/** An option as this command takes it: the table's entry with the command's own words. */
export function optionFor(spec: CommandSpec, name: OptionName): OptionSpec {
  return { ...OPTIONS[name], ...spec.optionHelp?.[name] };
}

export function usageLine(name: string, spec: CommandSpec): string {
  const options = spec.options.filter((o) => !spec.synopsis.includes(`--${o} `));
  return ['chain', name, spec.synopsis, ...[...options, 'file' as const].map((o) => optionUsage(o, optionFor(spec, o)))].filter(Boolean).join(' ');
}

/** One option's line of help: what it means, its default or that it is required. */
function optionHelpText(o: OptionSpec): string {
  if (o.required) return `${o.help} (required)`;
  return o.default !== undefined ? `${o.help} (default: ${o.default})` : o.help;
}

/** `chain <command> --help` and `chain help <command>`: usage, what it does, and every option it takes. */
export function helpText(name: string, spec: CommandSpec): string {
  const names = [...spec.options, ...COMMON_OPTIONS];
  const options = names.map((n) => optionFor(spec, n));
  const flags = names.map((n, i) => {
    const o = options[i] as OptionSpec;
    return `${o.short ? `-${o.short}, ` : '    '}--${n}${o.value ? ` ${o.value}` : ''}`;
  });
  const width = Math.max(...flags.map((f) => f.length));
  return [
    `Usage: ${usageLine(name, spec)}`,
    '',
    spec.summary,
    '',
    'Options:',
    ...names.map((_, i) => `  ${(flags[i] as string).padEnd(width)}  ${optionHelpText(options[i] as OptionSpec)}`),
    '',
    'Options without a value are switches, off unless given. A value that starts with a dash is given with =, as in --<option>=-x.',
  ].join('\n');
}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'chain: a declarative container supply chain',
    '',
    'Usage: chain <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'chain help <command> (or chain <command> --help) lists the options of a command, with their defaults.',
    'Every command takes --file <chain.yaml> (default: found in this folder or above).',
    'Exit codes: 0 ok, 1 a node failed, 2 bad input or usage, 3 environment (engine, lock), 4 registry, 130 interrupted',
  ].join('\n');
}
