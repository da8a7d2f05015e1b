/**
 * `chain ci --format github`: a GitHub Actions workflow (docs.github.com, workflow syntax). One job
 * per node (or per group of nodes of one wave when the plan has more nodes than a workflow run
 * takes jobs), with `needs:` on its parents' jobs. Run by hand (workflow_dispatch) or from another
 * workflow (workflow_call).
 */
import { jobNames } from '../../core/ci-names.js';
import { parseRegistry } from '../../adapters/registry.js';
import type { CiPipeline } from '../../core/pipeline.js';
import { NODE_VAR, NOTHING_TO_BUILD, SIGN_KEY, buildCommand, installs, jobLabel, nothingToBuildScript, otherRefs, type CiSettings } from './ci-common.js';

const RUNNER = 'ubuntu-latest';
const CHECKOUT = { uses: 'actions/checkout@v4' };
/** GitHub's own variables: never taken from secrets. */
const GITHUB_OWN = /^(GITHUB_|RUNNER_)|^CI$/;

/** The signing key: the secret's content, written to a file only this job can read, named by $CHAIN_SIGN_KEY. */
const SIGNING_KEY_STEP = {
  name: 'signing key',
  env: { SIGNING_KEY: `\${{ secrets.${SIGN_KEY} }}` },
  run: [
    'umask 077',
    `printf '%s\\n' "$SIGNING_KEY" > "$RUNNER_TEMP/chain-signing.key"`,
    `echo "${SIGN_KEY}=$RUNNER_TEMP/chain-signing.key" >> "$GITHUB_ENV"`,
  ].join('\n'),
};

export function githubWorkflow(pipeline: CiPipeline, settings: CiSettings): Record<string, unknown> {
  const head = { name: `chain ${pipeline.chain}`, on: { workflow_dispatch: {}, workflow_call: {} }, permissions: { contents: 'read' } };
  if (pipeline.jobs.length === 0) {
    return { ...head, jobs: { [NOTHING_TO_BUILD]: { 'runs-on': RUNNER, steps: [{ run: nothingToBuildScript(pipeline) }] } } };
  }
  const names = jobNames('github', pipeline.jobs);
  const { host } = parseRegistry(settings.registry);
  const setup = [
    CHECKOUT,
    {
      name: 'registry login',
      uses: 'docker/login-action@v3',
      with: { registry: host, username: '${{ secrets.CHAIN_REGISTRY_USER }}', password: '${{ secrets.CHAIN_REGISTRY_PASSWORD }}' },
    },
    ...(settings.job.refs.has(SIGN_KEY) ? [SIGNING_KEY_STEP] : []),
    ...(installs(settings) ? [{ run: 'npm ci' }] : []),
  ];
  const refs = otherRefs(settings, GITHUB_OWN);
  const secrets = refs.length > 0 ? { env: Object.fromEntries(refs.map((r) => [r, `\${{ secrets.${r} }}`])) } : {};
  const jobs: Record<string, unknown> = {};
  for (const job of pipeline.jobs) {
    const label = jobLabel(job);
    jobs[names.get(job.key) as string] = {
      name: label,
      'runs-on': RUNNER,
      ...(job.needs.length > 0 ? { needs: job.needs.map((k) => names.get(k) as string) } : {}),
      env: { [NODE_VAR]: job.nodes.join(' ') },
      steps: [...setup, { name: `chain build ${label}`, ...secrets, run: buildCommand(settings, job.nodes) }],
    };
  }
  return { ...head, jobs };
}
