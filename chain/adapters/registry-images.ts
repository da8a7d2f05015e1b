/**
 * Images and attestations read and written through a registry's API: an image's identity, labels
 * and layers from its manifest and config (no engine needed), and the signed record stored beside
 * it under its attestation tag.
 */
import type { ImageIdentity } from '../core/inputs.js';
import { registryDown } from './registry-errors.js';
import type { Descriptor, RegistryClient } from './registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

/** The attestation tag of an image digest: sha256:abc... -> sha256-abc....att */
export function attestationTag(digest: string): string {
  return `${digest.replace(':', '-')}.att`;
}

/** An image as the registry holds it: what `chain verify` and `chain why` need, from the registry alone. */
export interface RemoteImage extends ImageIdentity {
  id: string;
  digest: string;
  /** the manifest's descriptor (media type, digest, size), for an attestation's subject */
  descriptor: Descriptor;
  labels: Record<string, string>;
  /** the config's rootfs.diff_ids: the same list the engine calls an image's layers */
  layers: string[];
}

/** The image a repository holds under a tag or digest, read from its manifest and config; undefined when there is none. */
export async function remoteImage(client: RegistryClient, repository: string, reference: string): Promise<RemoteImage | undefined> {
  const manifest = await client.manifest(repository, reference);
  const configDigest = manifest?.json.config?.digest;
  if (!manifest || !configDigest) return undefined;
  const bytes = await client.blob(repository, configDigest);
  if (!bytes) throw registryDown(client.host, `${repository}@${manifest.digest} names a config blob ${configDigest} it does not hold`);
  const config = JSON.parse(bytes.toString('utf8')) as { config?: { Labels?: Record<string, string> | null }; rootfs?: { diff_ids?: string[] } };
  return {
    id: configDigest,
    digest: manifest.digest,
    repository: `${client.host}/${repository}`,
    descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size },
    labels: config.config?.Labels ?? {},
    layers: config.rootfs?.diff_ids ?? [],
  };
}

/**
 * Stores a DSSE envelope beside the image it is about, as an OCI artifact under the attestation
 * tag `sha256-<hex>.att` (the convention cosign uses), with the image as its `subject`.
 */
export async function putAttestation(client: RegistryClient, repository: string, subject: Descriptor, envelope: Buffer): Promise<string> {
  const layer = await client.putBlob(repository, envelope, DSSE_MEDIA_TYPE);
  const config = await client.putBlob(repository, Buffer.from('{}'), EMPTY_MEDIA_TYPE);
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: DSSE_MEDIA_TYPE, config, layers: [layer], subject };
  const tag = attestationTag(subject.digest);
  await client.putManifest(repository, tag, OCI_MANIFEST, Buffer.from(JSON.stringify(manifest)));
  return tag;
}

/** The DSSE envelope stored beside an image, or undefined. */
export async function getAttestation(client: RegistryClient, repository: string, subject: string): Promise<Buffer | undefined> {
  const manifest = await client.manifest(repository, attestationTag(subject));
  const layer = manifest?.json.layers?.find((l) => l.mediaType === DSSE_MEDIA_TYPE);
  return layer ? client.blob(repository, layer.digest) : undefined;
}
