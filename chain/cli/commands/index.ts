/** The command table: what each command takes and does. Each command's code is loaded only when it runs. */
import type { Command } from '../command.js';
import { COMMON_OPTIONS, OPTIONS, optionUsage, type OptionName, type OptionSpec } from '../options.js';

export interface CommandSpec {
  summary: string;
  /** the positional arguments, for usage lines */
  synopsis: string;
  /** the options it takes besides --file and --help */
  options: readonly OptionName[];
  load: () => Promise<{ command: Command<unknown> }>;
}

export const commands: Record<string, CommandSpec> = {
  plan: { summary: 'what must be rebuilt and why, by wave and by owner', synopsis: '[node...]', options: ['since', 'json', 'force', 'only'], load: () => import('./plan.js') },
  build: {
    summary: 'build what the plan says, in parallel, test each image, promote what succeeded',
    synopsis: '[node...]',
    options: ['since', 'json', 'jobs', 'fail-fast', 'atomic', 'no-wait', 'test-timeout', 'push', 'sign-key', 'require-clean', 'reason', 'force', 'verbose', 'only'],
    load: () => import('./build.js'),
  },
  patch: { summary: "bump a node's version and cascade patch bumps to every descendant that accepts it", synopsis: '<node>', options: ['level', 'reason', 'dry-run', 'json'], load: () => import('./patch.js') },
  update: { summary: 'resolve external images again and rewrite the pins in chain.lock that moved (--check: report drift)', synopsis: '[node...]', options: ['check', 'json'], load: () => import('./update.js') },
  nightly: {
    summary: 'the unattended cascade: update pins, bump, build, test, push, sign, commit on a branch, report',
    synopsis: '',
    options: ['push', 'sign-key', 'out', 'jobs', 'test-timeout', 'verbose', 'json'],
    load: () => import('./nightly.js'),
  },
  lint: { summary: 'apply the policies in policies/ (file:line:col, rule, node, message; grouped by owner)', synopsis: '[node...]', options: ['json'], load: () => import('./lint.js') },
  provenance: { summary: "a node's latest signed provenance (in-toto statement, SLSA provenance)", synopsis: '<node>', options: ['json'], load: () => import('./provenance.js') },
  verify: { summary: 'verify the chain of custody of an image down to its base', synopsis: '<node | image reference>', options: ['json'], load: () => import('./verify.js') },
  why: { summary: "an image's family tree: each layer's owner, version and digest", synopsis: '<node | image reference>', options: ['json'], load: () => import('./why.js') },
  owners: { summary: 'every node with its tier, owning team, members and contact', synopsis: '', options: ['json'], load: () => import('./owners.js') },
  codeowners: { summary: 'write CODEOWNERS from chain.yaml (--check: fail when it is out of date)', synopsis: '', options: ['check', 'out'], load: () => import('./codeowners.js') },
  'check-owners': { summary: 'flag changes since a git ref made outside the owning team', synopsis: '--since <git ref>', options: ['since', 'json'], load: () => import('./check-owners.js') },
  keys: { summary: 'make an Ed25519 key pair for signing provenance', synopsis: 'generate', options: ['out', 'name', 'json'], load: () => import('./keys.js') },
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
    load: () => import('./ci.js'),
  },
  graph: { summary: 'the graph by tier with owners (text, dot, mermaid or json)', synopsis: '', options: ['format', 'json'], load: () => import('./graph.js') },
};

export function usageLine(name: string, spec: CommandSpec): string {
  const options = spec.options.filter((o) => !spec.synopsis.includes(`--${o} `));
  return ['chain', name, spec.synopsis, ...[...options, 'file' as const].map(optionUsage)].filter(Boolean).join(' ');
}

/** `chain <command> --help`: usage, what it does, and every option it takes. */
export function helpText(name: string, spec: CommandSpec): string {
  const names = [...spec.options, ...COMMON_OPTIONS];
  const flags = names.map((n) => {
    const o: OptionSpec = OPTIONS[n];
    return `--${n}${o.value ? ` ${o.value}` : ''}${o.short ? `, -${o.short}` : ''}`;
  });
  const width = Math.max(...flags.map((f) => f.length));
  return [`Usage: ${usageLine(name, spec)}`, '', spec.summary, '', 'Options:', ...names.map((n, i) => `  ${(flags[i] as string).padEnd(width)}  ${OPTIONS[n].help}`)].join('\n');
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
    'chain <command> --help lists the options of a command. Every command takes --file <chain.yaml> (default: found in this folder or above).',
    'Exit codes: 0 ok, 1 a node failed, 2 bad input or usage, 3 environment (engine, lock), 4 registry, 130 interrupted',
  ].join('\n');
}
