/** The ways a registry fails a run, whether chain asks it directly or through the engine. */
import { ChainError, ExitCode, problem } from '../core/errors.js';

export const registryDown = (host: string, detail: string) =>
  new ChainError([problem('E_REGISTRY_UNREACHABLE', `cannot reach the registry ${host} (${detail})`, { hint: 'start it, or check registry: in chain.yaml' })], ExitCode.registry);

export const registryRefused = (host: string, status: number) =>
  new ChainError(
    [problem('E_REGISTRY_AUTH', `the registry ${host} refused the credentials (HTTP ${status})`, { hint: `log in with docker login ${host}, or fix its auths entry in the Docker configuration` })],
    ExitCode.registry,
  );

/** 405 Method Not Allowed is how a registry without deletes answers (docker-registry's default). */
export const deletesDisabled = (host: string) =>
  new ChainError(
    [
      problem('E_REGISTRY_DELETE', `the registry ${host} does not allow deleting images (HTTP 405)`, {
        hint: 'enable deletes (docker-registry: storage.delete.enabled: true in its config.yml), or run chain prune without --apply to only list',
      }),
    ],
    ExitCode.registry,
  );
