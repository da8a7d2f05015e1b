/**
 * The CI pipeline a plan becomes (`chain ci`): one job per node to build, needing the jobs of its
 * parents that are in the pipeline, with an engine's limits applied. Pure: the renderers in
 * cli/render/ci-*.ts turn it into each engine's document.
 */
import { fail } from './errors.js';
import { makesImage } from './rebase.js';
import type { Plan } from './plan.js';

export interface CiLimits {
  /** most jobs the engine runs in one pipeline: beyond it, the nodes of a wave share jobs */
  maxJobs: number;
  /** most jobs one job may need: beyond it, the job drops `needs` and waits for the earlier stages */
  maxNeeds: number;
}

export interface CiJob {
  /** unique in the pipeline: the node's name, or `wave-<w>/<k>` for a job building several nodes */
  key: string;
  /** what the engine's job name is made from: the node's name, or `wave-<w>-<k>` */
  base: string;
  /** the nodes it builds, all of one wave, none a parent of another */
  nodes: string[];
  /** the plan's wave of its nodes (a GitLab stage) */
  wave: number;
  /** keys of the jobs it waits for: those building its nodes' parents */
  needs: string[];
  /** its needs were over the engine's limit: it waits for every job of the earlier waves instead */
  needsDropped: boolean;
}

export interface CiPipeline {
  chain: string;
  jobs: CiJob[];
  /** the waves that have jobs, lowest first */
  waves: number[];
  /** nodes to build, in the plan's order */
  nodes: string[];
  /** the plan had more nodes to build than maxJobs: nodes of a wave share jobs */
  grouped: boolean;
  /** built nodes current in the image store: no job */
  upToDate: number;
  /** nodes waiting for their team's consent: no job */
  held: string[];
}

export const ENGINE_LIMITS = {
  // docs.gitlab.com/user/gitlab_com (Maximum jobs in a single pipeline: 500 on the Free tier, up to
  // 2000 on Ultimate; unlimited by default on self-managed) and administration/cicd/limits
  // (ci_needs_size_limit: 50 by default).
  gitlab: { maxJobs: 500, maxNeeds: 50 },
  // docs.github.com/actions/reference/limits: 256 jobs per workflow run. No documented limit on needs.
  github: { maxJobs: 256, maxNeeds: Number.POSITIVE_INFINITY },
  // Argo keeps every task's status in the Workflow object, which etcd caps at about 1 MB
  // (argo-workflows docs/offloading-large-workflows.md); 500 tasks stay well under it.
  argo: { maxJobs: 500, maxNeeds: Number.POSITIVE_INFINITY },
} as const satisfies Record<string, CiLimits>;

export type CiEngine = keyof typeof ENGINE_LIMITS;

/**
 * The jobs of a plan: its nodes to build; with `all`, every built node but those held, current or
 * not (a workflow to commit: each job's chain build then skips what is current).
 */
export function planPipeline(plan: Plan, limits: CiLimits, all = false): CiPipeline {
  const build = plan.nodes.filter((n) => makesImage(n.action) || (all && n.kind === 'built' && n.action === 'skip'));
  const inPipeline = new Set(build.map((n) => n.name));
  const byWave = new Map<number, string[]>();
  for (const n of build) {
    const wave = byWave.get(n.wave);
    if (wave) wave.push(n.name);
    else byWave.set(n.wave, [n.name]);
  }
  const waves = [...byWave.keys()].sort((a, b) => a - b);
  const parents = new Map(build.map((n) => [n.name, n.parents.filter((p) => inPipeline.has(p))]));

  const grouped = build.length > limits.maxJobs;
  if (grouped && waves.length > limits.maxJobs) {
    fail('E_CI_LIMIT', `the plan has ${waves.length} waves of nodes to build, more than the ${limits.maxJobs} jobs a pipeline may hold`, {
      hint: 'raise --max-jobs if the engine allows more, or build part of the chain at a time (chain ci <node...>)',
    });
  }
  const quotas = grouped ? shareJobs(waves.map((w) => (byWave.get(w) as string[]).length), limits.maxJobs) : undefined;

  const jobOf = new Map<string, string>();
  const jobs: CiJob[] = [];
  waves.forEach((wave, i) => {
    const names = byWave.get(wave) as string[];
    const parts = quotas ? chunk(bySiblings(names, parents, jobOf), quotas[i] as number).map((part) => part.sort()) : names.map((n) => [n]);
    parts.forEach((nodes, k) => {
      const single = nodes.length === 1 ? (nodes[0] as string) : undefined;
      const key = single ?? `wave-${wave}/${k + 1}`;
      for (const n of nodes) jobOf.set(n, key);
      const needs = [...new Set(nodes.flatMap((n) => (parents.get(n) ?? []).map((p) => jobOf.get(p) as string)))].sort();
      const needsDropped = needs.length > limits.maxNeeds;
      jobs.push({ key, base: single ?? `wave-${wave}-${k + 1}`, nodes, wave, needs: needsDropped ? [] : needs, needsDropped });
    });
  });

  return {
    chain: plan.chain,
    jobs,
    waves,
    nodes: build.map((n) => n.name),
    grouped,
    upToDate: all ? 0 : plan.summary.skip,
    held: plan.nodes.filter((n) => n.action === 'hold').map((n) => n.name),
  };
}

/**
 * How many jobs each wave gets when the nodes outnumber the jobs: one each, then one at a time to
 * the wave whose jobs would otherwise build the most nodes each.
 */
export function shareJobs(sizes: number[], maxJobs: number): number[] {
  const quotas = sizes.map(() => 1);
  for (let spare = maxJobs - sizes.length; spare > 0; spare--) {
    let best = -1;
    let load = 1;
    sizes.forEach((size, i) => {
      const q = quotas[i] as number;
      if (q < size && size / q > load) [best, load] = [i, size / q];
    });
    if (best < 0) break;
    quotas[best] = (quotas[best] as number) + 1;
  }
  return quotas;
}

/** Nodes in the order that keeps siblings together: by the jobs of their parents, then by name. */
function bySiblings(names: string[], parents: Map<string, string[]>, jobOf: Map<string, string>): string[] {
  const sortKey = (n: string) => [...new Set((parents.get(n) ?? []).map((p) => jobOf.get(p) ?? ''))].sort().join('\u0000');
  const keys = new Map(names.map((n) => [n, sortKey(n)]));
  return [...names].sort((a, b) => {
    const ka = keys.get(a) as string;
    const kb = keys.get(b) as string;
    return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}

/** `items` cut into `parts` runs whose lengths differ by one at most. */
export function chunk<T>(items: T[], parts: number): T[][] {
  const n = Math.min(parts, items.length);
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(items.length / n) + (i < items.length % n ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}
