/**
 * `chain ci --format argo`: an Argo Workflows `Workflow` (argoproj.io/v1alpha1) whose entrypoint is
 * a DAG: one task per node (or per group of nodes of one wave), depending on its parents' tasks,
 * each running one shared container template. The repository arrives as a git artifact; the
 * runner image, the repository and the Docker Engine are workflow parameters (given with
 * `argo submit -p`); the registry login and the signing key come from Kubernetes Secrets.
 */
import { jobNames } from '../../core/ci-names.js';
import type { CiPipeline } from '../../core/pipeline.js';
import { NODE_VAR, NOTHING_TO_BUILD, SIGN_KEY, buildCommand, installs, otherRefs, type CiSettings } from './ci-common.js';

const SOURCE = '/src';
/** A kubernetes.io/dockerconfigjson Secret (kubectl create secret docker-registry chain-registry ...). */
export const REGISTRY_SECRET = 'chain-registry';
/** A Secret whose key signing.key holds the private key. */
export const SIGNING_SECRET = 'chain-signing-key';
/** A Secret holding the other variables --chain-args refers to, one key each. */
export const ENV_SECRET = 'chain-env';

export function argoWorkflow(pipeline: CiPipeline, settings: CiSettings): Record<string, unknown> {
  const head = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: `chain-${dnsLabel(pipeline.chain)}-` } };
  if (pipeline.jobs.length === 0) {
    // A suspend template of no duration needs no pod: the workflow succeeds at once.
    return { ...head, spec: { entrypoint: NOTHING_TO_BUILD, templates: [{ name: NOTHING_TO_BUILD, suspend: { duration: '0' } }] } };
  }
  const names = jobNames('argo', pipeline.jobs);
  const signs = settings.job.refs.has(SIGN_KEY);
  const tasks = pipeline.jobs.map((job) => ({
    name: names.get(job.key) as string,
    template: 'build',
    ...(job.needs.length > 0 ? { dependencies: job.needs.map((k) => names.get(k) as string) } : {}),
    arguments: { parameters: [{ name: 'nodes', value: job.nodes.join(' ') }] },
  }));
  const env = [
    { name: NODE_VAR, value: '{{inputs.parameters.nodes}}' },
    { name: 'DOCKER_HOST', value: '{{workflow.parameters.docker-host}}' },
    { name: 'DOCKER_CONFIG', value: '/chain/docker' },
    ...(signs ? [{ name: SIGN_KEY, value: '/chain/signing/signing.key' }] : []),
    ...otherRefs(settings, /^$/).map((name) => ({ name, valueFrom: { secretKeyRef: { name: ENV_SECRET, key: name, optional: true } } })),
  ];
  // $CHAIN_NODE unquoted on purpose: it holds node names (shell-safe), one word each.
  const script = [...(installs(settings) ? ['npm ci'] : []), `exec ${buildCommand(settings, `$${NODE_VAR}`)}`].join(' && ');
  return {
    ...head,
    spec: {
      entrypoint: 'chain',
      parallelism: settings.parallelism,
      podGC: { strategy: 'OnPodSuccess' },
      arguments: {
        parameters: [
          { name: 'repo', description: 'the git URL of the repository holding chain.yaml' },
          { name: 'revision', value: 'HEAD', description: 'the commit, branch or tag to build' },
          { name: 'image', ...(settings.image ? { value: settings.image } : {}), description: 'the runner image: node, npm and git' },
          { name: 'docker-host', description: 'the Docker Engine the tasks build with, e.g. tcp://dind.ci.svc:2375' },
        ],
      },
      volumes: [
        { name: 'registry-login', secret: { secretName: REGISTRY_SECRET, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
        ...(signs ? [{ name: 'signing-key', secret: { secretName: SIGNING_SECRET, defaultMode: 0o400 } }] : []),
      ],
      templates: [
        // A failed task stops only its descendants: independent nodes still build, as with chain build.
        { name: 'chain', dag: { failFast: false, tasks } },
        {
          name: 'build',
          inputs: {
            parameters: [{ name: 'nodes' }],
            artifacts: [{ name: 'source', path: SOURCE, git: { repo: '{{workflow.parameters.repo}}', revision: '{{workflow.parameters.revision}}' } }],
          },
          container: {
            name: 'main',
            image: '{{workflow.parameters.image}}',
            workingDir: SOURCE,
            command: ['sh', '-c'],
            args: [script],
            env,
            volumeMounts: [
              { name: 'registry-login', mountPath: '/chain/docker', readOnly: true },
              ...(signs ? [{ name: 'signing-key', mountPath: '/chain/signing', readOnly: true }] : []),
            ],
          },
        },
      ],
    },
  };
}

/** The chain's name as a DNS label, for the workflow's name (63 characters with the 5 Kubernetes adds). */
function dnsLabel(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'chain'
  );
}
