/**
 * `chain ci --format gitlab|github|argo`: the plan as a pipeline for the CI engine a team already
 * runs, one job per node to build; the registry is the only state the jobs share. The text output
 * is the pipeline's YAML; --json prints the same document as JSON.
 */
import { ENGINE_LIMITS, type CiEngine, type CiPipeline } from '../../core/pipeline.js';
import { fail } from '../../core/errors.js';
import { hintWith } from '../../core/suggest.js';
import { yamlText, type Spacing } from '../../config/yaml-text.js';
import { planCi } from '../../app/ci.js';
import { jobCommand } from '../ci-args.js';
import { chainFile, positiveInt, type Command } from '../command.js';
import { DEFAULT_PARALLELISM } from '../defaults.js';
import type { Options } from '../options.js';
import { argoWorkflow } from '../render/ci-argo.js';
import { header, type CiSettings } from '../render/ci-common.js';
import { githubWorkflow } from '../render/ci-github.js';
import { gitlabPipeline } from '../render/ci-gitlab.js';

export const CI_FORMATS = Object.keys(ENGINE_LIMITS) as CiEngine[];
const RENDERERS: Record<CiEngine, (p: CiPipeline, s: CiSettings) => Record<string, unknown>> = { gitlab: gitlabPipeline, github: githubWorkflow, argo: argoWorkflow };
/** Blank lines between jobs, where jobs are mappings. */
const SPACING: Record<CiEngine, Spacing> = { gitlab: { top: true }, github: { top: true, under: ['jobs'] }, argo: {} };
export { DEFAULT_PARALLELISM };
/** The largest workflow file GitHub starts runs from (docs.github.com/actions/reference/limits). */
const GITHUB_MAX_BYTES = 512_000;

export interface CiOutput {
  format: CiEngine;
  /** the engine's document, as plain data */
  document: Record<string, unknown>;
  /** the same as YAML */
  yaml: string;
}

export const command: Command<CiOutput> = {
  async run(ctx) {
    const { opts, deps } = ctx;
    // Everything given on the command line is checked before anything is read.
    const format = formatOf(opts);
    const job = jobCommand(opts['chain-command'], opts['chain-args']);
    const maxJobs = positiveInt(opts['max-jobs'], ENGINE_LIMITS[format].maxJobs, 'max-jobs');
    const parallelism = positiveInt(opts.parallelism, DEFAULT_PARALLELISM, 'parallelism');
    const limits = { maxJobs, maxNeeds: ENGINE_LIMITS[format].maxNeeds };
    const planned = await planCi(deps, chainFile(ctx), { targets: ctx.args, ...(opts.since ? { since: opts.since } : {}), limits, all: opts.all ?? false });
    const { pipeline } = planned;

    if (planned.storeProblem) deps.note(`note: ${planned.storeProblem}`);
    if (!planned.inGit) deps.note("note: chain.yaml is not in a git repository: jobs are taken to start in chain.yaml's folder");
    if (pipeline.held.length > 0) deps.note(`note: ${pipeline.held.length} node(s) held for their team's consent, not in the pipeline: ${pipeline.held.join(', ')}`);
    if (pipeline.jobs.length === 0) deps.note(`chain ci: nothing to build (${pipeline.upToDate} up to date): the pipeline has one job that says so`);
    if (pipeline.grouped) deps.note(`chain ci: ${pipeline.nodes.length} nodes to build, more than --max-jobs ${maxJobs}: nodes of a wave share jobs (${pipeline.jobs.length} jobs)`);
    const dropped = pipeline.jobs.filter((j) => j.needsDropped).length;
    if (dropped > 0) deps.note(`chain ci: ${dropped} job(s) would need more than ${limits.maxNeeds} jobs: they wait for the earlier stages instead of naming their needs`);
    if (format === 'argo' && !opts.image) deps.note('note: no --image: argo submit needs -p image=<runner image>');
    if (format === 'github' && opts.image) deps.note('note: --image is not used by --format github: its jobs run on ubuntu-latest');
    if (format !== 'argo' && opts.parallelism) deps.note(`note: --parallelism is for --format argo; ${format} runs as many jobs at once as it has runners`);

    const settings: CiSettings = { job, registry: planned.registry, parallelism, ...(planned.chainFile ? { chainFile: planned.chainFile } : {}), ...(opts.image ? { image: opts.image } : {}) };
    const document = RENDERERS[format](pipeline, settings);
    const yaml = yamlText(document, header(format, pipeline), SPACING[format]).replace(/\n$/, '');
    if (format === 'github' && Buffer.byteLength(yaml) > GITHUB_MAX_BYTES) {
      deps.note(`warning: the workflow has ${Buffer.byteLength(yaml)} bytes; GitHub starts no run from a workflow file over 500 KB: lower --max-jobs`);
    }
    return { data: { format, document, yaml } };
  },
  render: (data) => data.yaml,
  json: (data) => data.document,
};

function formatOf(opts: Options): CiEngine {
  const format = opts.format;
  if (format === undefined) fail('E_USAGE', 'chain ci needs --format', { hint: `formats: ${CI_FORMATS.join(', ')}` });
  if (!(CI_FORMATS as string[]).includes(format)) fail('E_USAGE', `unknown CI format '${format}'`, { hint: hintWith(format, CI_FORMATS, `formats: ${CI_FORMATS.join(', ')}`) });
  return format as CiEngine;
}
