/**
 * Every option chain knows, with what it means and its default; each command takes only the
 * ones it names, so an option a command does not take is an error, not silently ignored.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** the value's placeholder in usage lines */
  value?: string;
  help: string;
}

export const OPTIONS = {
  file: { type: 'string', short: 'f', value: '<chain.yaml>', help: 'the chain file (default: chain.yaml in this folder or the nearest one above)' },
  json: { type: 'boolean', help: 'print the result as JSON on stdout' },
  force: { type: 'boolean', help: 'rebuild the named nodes (all, when none is named) even when their image exists' },
  only: { type: 'boolean', help: 'exactly the named nodes: their parents must be current already (in the registry, when there is one); no ancestor is built' },
  since: { type: 'string', value: '<git ref>', help: 'only what changed since this commit, branch or tag' },
  verbose: { type: 'boolean', short: 'v', help: 'print every build and test line' },
  format: { type: 'string', value: '<format>', help: 'output format' },
  jobs: { type: 'string', short: 'j', value: '<N>', help: 'builds at once (default: twice the number of cores, at least 2)' },
  'fail-fast': { type: 'boolean', help: 'cancel what has not finished after the first failure' },
  atomic: { type: 'boolean', help: 'move no human tag unless every node succeeded' },
  'no-wait': { type: 'boolean', help: 'exit (code 3) instead of waiting when another build holds the lock' },
  'test-timeout': { type: 'string', value: '<seconds>', help: 'time limit of each image test (default: 120)' },
  'sign-key': { type: 'string', value: '<file>', help: 'Ed25519 private key that signs provenance (chain keys generate makes one)' },
  push: { type: 'boolean', help: "push each image to chain.yaml's registry once its tests pass" },
  'require-clean': { type: 'boolean', help: 'refuse to build a node whose context has uncommitted files (release jobs): provenance then names an exact commit' },
  reason: { type: 'string', value: '"..."', help: 'why, recorded in provenance' },
  level: { type: 'string', value: 'patch|minor|major', help: 'which part of the version to bump (default: patch)' },
  'dry-run': { type: 'boolean', help: 'show what would change; write nothing' },
  out: { type: 'string', value: '<path>', help: 'where to write' },
  name: { type: 'string', value: '<name>', help: 'file name of the key pair (default: chain-signing)' },
  check: { type: 'boolean', help: 'only check; exit 1 when something is out of date' },
  keep: { type: 'string', value: '<N>', help: 'how many of the newest fingerprint images of each node to keep (default: 3); the current and released ones are always kept' },
  apply: { type: 'boolean', help: 'delete what chain prune lists (without it: a dry run)' },
  'chain-command': { type: 'string', value: '<cmd>', help: 'how each CI job runs chain (default: npx chain)' },
  'chain-args': { type: 'string', value: "'<flags>'", help: 'chain build options every CI job adds, given with =, e.g. --chain-args=\'--sign-key "$CHAIN_SIGN_KEY"\' (secrets as $VARIABLE references)' },
  all: { type: 'boolean', help: 'every built node a CI job, current or not (a workflow to commit: each job skips what is current)' },
  image: { type: 'string', value: '<image>', help: 'the image CI jobs run in (gitlab: image:, argo: the container; github jobs run on ubuntu-latest)' },
  'max-jobs': { type: 'string', value: '<N>', help: 'most jobs in the pipeline; beyond it, nodes of a wave share jobs (default: github 256, gitlab 500, argo 500)' },
  parallelism: { type: 'string', value: '<N>', help: "argo: most tasks running at once (the Workflow's spec.parallelism; default 10)" },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', help: "chain's version" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The parsed options; a command reads only those it declared. */
export type Options = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

/** Every command takes these. */
export const COMMON_OPTIONS: readonly OptionName[] = ['file', 'help'];

/** `[--jobs <N>] [--json]`: an option as it appears in a usage line. */
export function optionUsage(name: OptionName): string {
  const spec: OptionSpec = OPTIONS[name];
  return `[--${name}${spec.value ? ` ${spec.value}` : ''}]`;
}

/** The subset of the table parseArgs takes for these options. */
export function parseConfig(names: readonly OptionName[]): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    names.map((n) => {
      const spec: OptionSpec = OPTIONS[n];
      return [n, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }];
    }),
  );
}
