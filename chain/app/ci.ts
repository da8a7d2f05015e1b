/**
 * `chain ci`: the plan, cut into CI jobs. Jobs on separate runners share images only through the
 * registry, so a chain without one is refused; nodes the registry already holds are not jobs.
 */
import path from 'node:path';
import { fail } from '../core/errors.js';
import { planPipeline, type CiLimits, type CiPipeline } from '../core/pipeline.js';
import type { Plan } from '../core/plan.js';
import { startGitRead } from '../world/read.js';
import type { AppDeps } from './deps.js';
import { openChain } from './open.js';
import { planLoaded } from './plan-chain.js';

export interface CiRequest {
  targets: string[];
  since?: string;
  limits: CiLimits;
  /** every built node a job, current or not */
  all?: boolean;
}

export interface CiPlanned {
  plan: Plan;
  pipeline: CiPipeline;
  /** chain.yaml's registry: host[:port]/prefix */
  registry: string;
  /** chain.yaml relative to the top of its git work tree (forward slashes); undefined when it is at the top */
  chainFile?: string;
  /** false outside git: jobs are taken to start in chain.yaml's folder */
  inGit: boolean;
  /** why the image store could not be read, when it could not (every node is then a job) */
  storeProblem?: string;
}

export async function planCi(deps: AppDeps, file: string, request: CiRequest): Promise<CiPlanned> {
  const repo = deps.git(path.dirname(file));
  const gitRead = startGitRead(repo);
  const prefix = repo.prefix();
  const loaded = await openChain(file);
  const { registry } = loaded.config;
  if (!registry) {
    await gitRead;
    return fail('E_NO_REGISTRY', `chain ci needs a registry: in ${file}`, {
      hint: 'CI jobs run on separate runners and share images only through the registry: add e.g. registry: registry.acme.example/acme',
      location: { file },
    });
  }
  // With --all every built node is a job whatever the registry holds: it is not asked.
  const planned = request.all ? { ...loaded, config: { ...loaded.config, registry: undefined } } : loaded;
  // Jobs are the nodes that make images, whichever way: version tags and rebase sources are not asked.
  const { plan, world } = await planLoaded(deps, planned, { targets: request.targets, releases: 'none', ...(request.since ? { since: request.since } : {}) }, { git: gitRead });
  const under = await prefix;
  const relative = under === undefined ? undefined : `${under}${path.basename(file)}`;
  return {
    plan,
    pipeline: planPipeline(plan, request.limits, request.all ?? false),
    registry,
    ...(relative !== undefined && relative !== 'chain.yaml' ? { chainFile: relative } : {}),
    inGit: under !== undefined,
    ...(world.store.problem ? { storeProblem: world.store.problem } : {}),
  };
}
