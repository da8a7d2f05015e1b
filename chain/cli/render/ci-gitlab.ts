/**
 * `chain ci --format gitlab`: a GitLab CI pipeline (docs.gitlab.com/ci/yaml). One job per node (or
 * per group of nodes of one wave), in the stage of its wave, with `needs:` on its parents' jobs;
 * a job whose needs would pass GitLab's limit has none and waits for the earlier stages instead.
 * Meant to run as a child pipeline: a job writes it as an artifact, a trigger job includes it.
 */
import { jobNames } from '../../core/ci-names.js';
import type { CiPipeline } from '../../core/pipeline.js';
import { NODE_VAR, NOTHING_TO_BUILD, buildCommand, installs, nothingToBuildScript, type CiSettings } from './ci-common.js';

/** The hidden job every job extends (no node name starts with a dot). */
const TEMPLATE = '.chain';

/**
 * The registry login: DOCKER_AUTH_CONFIG (a docker config.json, as GitLab's runners read it to pull
 * job images) written where chain reads credentials, for this job only.
 */
const REGISTRY_LOGIN = `if [ -n "\${DOCKER_AUTH_CONFIG:-}" ]; then export DOCKER_CONFIG="$(mktemp -d)"; printf '%s' "$DOCKER_AUTH_CONFIG" > "$DOCKER_CONFIG/config.json"; fi`;

export const stageName = (wave: number) => `wave-${wave}`;

export function gitlabPipeline(pipeline: CiPipeline, settings: CiSettings): Record<string, unknown> {
  const image = settings.image ? { image: settings.image } : {};
  if (pipeline.jobs.length === 0) return { [NOTHING_TO_BUILD]: { ...image, script: [nothingToBuildScript(pipeline)] } };
  const names = jobNames('gitlab', pipeline.jobs);
  const doc: Record<string, unknown> = {
    stages: pipeline.waves.map(stageName),
    [TEMPLATE]: { ...image, before_script: [REGISTRY_LOGIN, ...(installs(settings) ? ['npm ci'] : [])] },
  };
  for (const job of pipeline.jobs) {
    doc[names.get(job.key) as string] = {
      extends: TEMPLATE,
      stage: stageName(job.wave),
      // needs: [] starts at once (its parents are current); no needs at all waits for the earlier stages.
      ...(job.needsDropped ? {} : { needs: job.needs.map((k) => names.get(k) as string) }),
      variables: { [NODE_VAR]: job.nodes.join(' ') },
      script: [buildCommand(settings, job.nodes)],
    };
  }
  return doc;
}
