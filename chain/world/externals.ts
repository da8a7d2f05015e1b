/** External images: resolved to their registry's manifest digest, else the local engine's image ID. */
import { parseFamiliarName } from '@swimlane/docker-reference';
import type { StoredImage } from '../core/inputs.js';
import type { Pin } from '../core/lockfile.js';
import type { EngineReader } from '../adapters/engine.js';
import type { RegistryClient } from '../adapters/registry.js';

export interface ResolvedExternal {
  /** the image as the store has it: local ID and/or manifest digest */
  stored?: StoredImage;
  /** what identifies it: the manifest digest's sha256, else the image ID */
  digest?: string;
  kind: 'manifest' | 'image-id' | 'unresolved';
}

export interface ResolveDeps {
  engine: EngineReader;
  registry: (host: string) => RegistryClient;
}

/** An external image as it is now: its registry's manifest digest, else the local engine's image ID. */
export async function resolveExternal(image: string, deps: ResolveDeps): Promise<ResolvedExternal> {
  const found = await deps.engine.inspect(image);
  // An image from a registry resolves to its manifest digest through the registry's API.
  const remote = await resolveRemote(image, deps.registry);
  const manifest = remote ?? found?.digest;
  const stored = found || remote ? { ...(found && (!remote || found.repoDigests.includes(remote)) ? { id: found.id } : {}), ...(manifest ? { digest: manifest } : {}) } : undefined;
  const digest = manifest ? parseFamiliarName(manifest).digest : found?.id;
  return { ...(stored ? { stored } : {}), ...(digest ? { digest } : {}), kind: manifest ? 'manifest' : found ? 'image-id' : 'unresolved' };
}

/** An external image as chain.lock pins it (found locally when the engine has it). */
export async function fromPin(pin: Pin, engine: EngineReader, storeReachable: boolean): Promise<ResolvedExternal> {
  const local = storeReachable ? await engine.inspect(pin.digest) : undefined;
  if (pin.kind === 'manifest') return { stored: { ...(local ? { id: local.id } : {}), digest: pin.digest }, digest: parseFamiliarName(pin.digest).digest as string, kind: 'manifest' };
  return { ...(local ? { stored: { id: local.id } } : {}), digest: pin.digest, kind: 'image-id' };
}

/** The manifest digest (repo@sha256:...) of an external image that names a registry host. */
async function resolveRemote(image: string, registry: ResolveDeps['registry']): Promise<string | undefined> {
  const ref = parseFamiliarName(image);
  if (ref.domain === 'docker.io' || !ref.repository) return undefined;
  if (ref.digest) return `${ref.domain}/${ref.repository}@${ref.digest}`;
  const digest = await registry(ref.domain as string).manifestDigest(ref.repository, ref.tag ?? 'latest');
  return digest ? `${ref.domain}/${ref.repository}@${digest}` : undefined;
}
