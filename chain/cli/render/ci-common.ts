/** What the three CI renderers share: each job's command line, and how it is described. */
import type { CiEngine, CiJob, CiPipeline } from '../../core/pipeline.js';
import { quoteText, quoteWord, wordText } from '../../core/shell-words.js';
import type { JobCommand } from '../ci-args.js';

/** The variable --sign-key "$CHAIN_SIGN_KEY" refers to: each engine turns its secret into that file. */
export const SIGN_KEY = 'CHAIN_SIGN_KEY';
/** The variable every job sets to the nodes it builds. */
export const NODE_VAR = 'CHAIN_NODE';

export interface CiSettings {
  job: JobCommand;
  /** chain.yaml relative to the repository's top, when it is not at the top */
  chainFile?: string;
  /** chain.yaml's registry: host[:port]/prefix */
  registry: string;
  /** the image jobs run in (GitLab, Argo) */
  image?: string;
  /** Argo: the most tasks at once */
  parallelism: number;
}

/** `<chain command> build <nodes> --only --push [--file F] <pass-through>`, quoted for a POSIX shell. */
export function buildCommand(settings: CiSettings, nodes: string | string[]): string {
  const { job, chainFile } = settings;
  return [
    ...job.command.map(quoteWord),
    'build',
    ...(typeof nodes === 'string' ? [nodes] : nodes.map(quoteText)),
    '--only',
    '--push',
    ...(chainFile ? ['--file', quoteText(chainFile)] : []),
    ...job.args.map(quoteWord),
  ].join(' ');
}

/** npx runs the chain the repository's package.json pins: jobs install it first. */
export function installs(settings: CiSettings): boolean {
  const first = settings.job.command[0];
  return first !== undefined && wordText(first) === 'npx';
}

/** The variables the pass-through options refer to, other than the signing key's and the engine's own. */
export function otherRefs(settings: CiSettings, engineOwn: RegExp): string[] {
  return [...settings.job.refs].filter((r) => r !== SIGN_KEY && r !== NODE_VAR && !engineOwn.test(r)).sort();
}

/** A job's name for people: its node, or its wave and first nodes. */
export function jobLabel(job: CiJob): string {
  if (job.nodes.length === 1) return job.nodes[0] as string;
  const shown = job.nodes.slice(0, 3).join(', ');
  return `wave ${job.wave}: ${shown}${job.nodes.length > 3 ? ` +${job.nodes.length - 3} more` : ''}`;
}

export function header(engine: CiEngine, pipeline: CiPipeline): string {
  const what = pipeline.jobs.length === 0 ? 'nothing to build' : `${pipeline.nodes.length} node${pipeline.nodes.length === 1 ? '' : 's'} to build in ${pipeline.jobs.length} job${pipeline.jobs.length === 1 ? '' : 's'}`;
  return `chain ci --format ${engine}: chain ${pipeline.chain}, ${what}.\nGenerated from the plan: run chain ci again rather than editing it.`;
}

export const NOTHING_TO_BUILD = 'nothing-to-build';

export function nothingToBuildScript(pipeline: CiPipeline): string {
  return `echo ${quoteText(`chain: nothing to build (${pipeline.upToDate} up to date${pipeline.held.length ? `, ${pipeline.held.length} held` : ''})`)}`;
}
