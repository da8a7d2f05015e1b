/**
 * Every option chain knows, with what it means and its default; each command takes only the
 * ones it names, so an option a command does not take is an error, not silently ignored.
 */
import { ENGINE_LIMITS } from '../core/pipeline.js';
import { DEFAULT_BUILDER, DEFAULT_CHAIN_COMMAND, DEFAULT_JOBS, DEFAULT_KEEP, DEFAULT_KEY_NAME, DEFAULT_PARALLELISM, DEFAULT_TEST_TIMEOUT_S } from './defaults.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** the value's placeholder in usage lines; says its unit where it has one (`<seconds>`) */
  value?: string;
  help: string;
  /** what applies when the option is not given (options with a value; switches are off unless given) */
  default?: string;
  /** the command cannot run without it */
  required?: true;
}

const ciLimits = Object.entries(ENGINE_LIMITS).map(([engine, l]) => `${engine} ${l.maxJobs}`).join(', ');

export const OPTIONS = {
  file: { type: 'string', short: 'f', value: '<chain.yaml>', help: 'the chain file', default: 'chain.yaml in this folder or the nearest one above' },
  json: { type: 'boolean', help: 'print the result as JSON on stdout instead of text' },
  force: { type: 'boolean', help: 'rebuild the named nodes (all, when none is named) even when their image exists' },
  only: { type: 'boolean', help: 'exactly the named nodes: their parents must be current already (in the registry, when there is one); no ancestor is built' },
  since: { type: 'string', value: '<git ref>', help: 'only the nodes whose inputs changed since this commit, branch or tag, and what is built on them', default: 'every node, changed or not' },
  verbose: { type: 'boolean', short: 'v', help: 'print every build and test line (on stderr)' },
  format: { type: 'string', value: '<format>', help: 'output format' },
  builder: { type: 'string', value: '<classic|buildkit>', help: "what builds every node that names no builder of its own (BuildKit: secret and cache mounts); it is an input of the fingerprint", default: `chain.yaml's builder:, else ${DEFAULT_BUILDER}` },
  jobs: { type: 'string', short: 'j', value: '<N>', help: 'most builds running at once', default: `${DEFAULT_JOBS} here: twice the number of cores, at least 2` },
  'fail-fast': { type: 'boolean', help: 'cancel what has not finished after the first failure (without it, only the failed node\'s descendants are skipped)' },
  atomic: { type: 'boolean', help: 'move no human tag unless every node succeeded' },
  'no-wait': { type: 'boolean', help: 'exit (code 3, E_LOCKED) instead of waiting when another build holds the lock' },
  'test-timeout': { type: 'string', value: '<seconds>', help: 'time limit of each image test command, in seconds (1 to 86400)', default: `${DEFAULT_TEST_TIMEOUT_S}` },
  'sign-key': { type: 'string', value: '<file>', help: 'Ed25519 private key (PEM) that signs the provenance; chain keys generate makes one', default: 'unsigned' },
  push: { type: 'boolean', help: "push each image to chain.yaml's registry once its tests pass" },
  'require-clean': { type: 'boolean', help: 'refuse to build a node whose context has uncommitted files (release jobs): provenance then names an exact commit' },
  reason: { type: 'string', value: '"..."', help: 'why, recorded in the provenance of every image built', default: "the reason of the last chain patch, for the versions it gave; else none" },
  level: { type: 'string', value: 'patch|minor|major', help: 'which part of the version to bump', default: 'patch' },
  'dry-run': { type: 'boolean', help: 'show what would change; write nothing' },
  out: { type: 'string', value: '<path>', help: 'where to write' },
  name: { type: 'string', value: '<name>', help: 'file name of the key pair: <name>.key (private) and <name>.pub', default: DEFAULT_KEY_NAME },
  check: { type: 'boolean', help: 'only check; write nothing, exit 1 when something is out of date' },
  keep: { type: 'string', value: '<N>', help: 'how many of the newest fingerprint images of each node to keep; the current and released ones are kept besides', default: `${DEFAULT_KEEP}` },
  apply: { type: 'boolean', help: 'delete what chain prune lists (without it: a dry run)' },
  'chain-command': { type: 'string', value: '<cmd>', help: 'how each CI job runs chain', default: `${DEFAULT_CHAIN_COMMAND}, after npm ci` },
  'chain-args': { type: 'string', value: "'<flags>'", help: 'chain build options every CI job adds, given with =, e.g. --chain-args=\'--sign-key "$CHAIN_SIGN_KEY"\'; secrets as $VARIABLE references', default: 'none' },
  all: { type: 'boolean', help: 'every built node a CI job, current or not (a workflow to commit: each job skips what is current)' },
  image: { type: 'string', value: '<image>', help: 'the image CI jobs run in (gitlab: image:, argo: the container); github jobs run on ubuntu-latest', default: "none: gitlab jobs use the runner's default image; argo submit then needs -p image=<image>" },
  'max-jobs': { type: 'string', value: '<N>', help: 'most jobs in the pipeline; beyond it, nodes of a wave share jobs', default: ciLimits },
  parallelism: { type: 'string', value: '<N>', help: "argo: most tasks (pods) running at once, the Workflow's spec.parallelism", default: `${DEFAULT_PARALLELISM}` },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
  version: { type: 'boolean', help: "print chain's version" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The parsed options; a command reads only those it declared. */
export type Options = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

/** Every command takes these. */
export const COMMON_OPTIONS: readonly OptionName[] = ['file', 'help'];

/** `[--jobs <N>] [--json]`: an option as it appears in a usage line. */
export function optionUsage(name: OptionName, spec: OptionSpec = OPTIONS[name]): string {
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
