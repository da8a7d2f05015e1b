/**
 * Images and attestations read and written through a registry's API: an image's identity, labels
 * and layers from its manifest and config (no engine needed), and the signed record stored beside
 * it under its attestation tag.
 */
import type { ImageIdentity } from '../core/inputs.js';
import { decodeBase64 } from '../provenance/dsse.js';
import { BUILDER_ID, SLSA_PROVENANCE_V1, type Envelope, type Statement } from '../provenance/types.js';
import { registryDown } from './registry-errors.js';
import { sha256Digest, type Descriptor, type RegistryClient, type RemoteManifest } from './registry.js';

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
  return manifest ? imageOfManifest(client, repository, manifest) : undefined;
}

/** The image a manifest already read describes (its config read now); undefined when it names no config (an index). */
export async function imageOfManifest(client: RegistryClient, repository: string, manifest: RemoteManifest): Promise<RemoteImage | undefined> {
  const configDigest = manifest.json.config?.digest;
  if (!configDigest) return undefined;
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
 * Attestations, stored as cosign stores them: the tag-based layout that `cosign attest` writes and
 * `cosign verify-attestation` reads, so that tools built on cosign read chain's records as they are.
 * Followed: cosign's specs/ATTESTATION_SPEC.md ("Overall Layout": an OCI image manifest, one layer
 * per attestation, layer media type application/vnd.dsse.envelope.v1+json) and, where the spec
 * stops, the code that writes it (sigstore/cosign v3.1.2):
 * - the tag: pkg/oci/remote/remote.go normalize() + options.go AttestationTagSuffix "att";
 * - the manifest and config: pkg/oci/empty/empty.go (go-containerregistry's empty.Image with
 *   OCIManifestSchema1 and OCIConfigJSON), then pkg/oci/mutate/signatures.go AppendSignatures ->
 *   go-containerregistry mutate.Append, which re-marshals a real image config (rootfs.diff_ids and
 *   one history entry per layer, zero times unless --record-creation-timestamp) and sets no
 *   `subject` and no `artifactType`: those belong to cosign's OCI 1.1 referrers mode
 *   (pkg/oci/remote/write.go WriteReferrer), which pushes by digest, not under this tag;
 * - the layer annotations: cmd/cosign/cli/attest/attest.go (`predicateType`) and
 *   pkg/oci/static/signature.go Annotations(), which always sets dev.cosignproject.cosign/signature,
 *   empty for an attestation; cosign's reader needs it (pkg/oci/internal/signature/layer.go
 *   Base64Signature fails without it, and pkg/cosign/verify.go VerifyImageAttestation calls it).
 * JSON fields are written in go-containerregistry's order (pkg/v1/manifest.go, config.go), so for
 * the same layers the bytes are those cosign would write.
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
/** cosign's signature annotation: empty on an attestation, whose signature is inside the envelope */
const COSIGN_SIGNATURE = 'dev.cosignproject.cosign/signature';
/** Go's zero time.Time, as go-containerregistry writes an unset `created` */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The attestation tag of an image digest: sha256:abc... -> sha256-abc....att */
export function attestationTag(digest: string): string {
  return `${digest.replace(':', '-')}.att`;
}

/** The layer descriptor of one DSSE envelope, annotated as `cosign attest` annotates it (keys sorted, as Go writes a map). */
export function attestationLayer(envelope: Buffer, predicateType: string): Descriptor {
  return { mediaType: DSSE_MEDIA_TYPE, size: envelope.length, digest: sha256Digest(envelope), annotations: { [COSIGN_SIGNATURE]: '', predicateType } };
}

/**
 * The image config cosign writes for these layers (233 bytes for one layer, as in the spec's
 * example): each layer is its own uncompressed content, so its diff_id is its digest.
 */
export function attestationConfig(layers: readonly Descriptor[]): Buffer {
  const config = {
    architecture: '',
    created: ZERO_TIME,
    history: layers.map(() => ({ created: ZERO_TIME })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    config: {},
  };
  return Buffer.from(JSON.stringify(config));
}

/** The attestation manifest: no subject, no artifactType (see above). */
export function attestationManifest(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: config.mediaType, size: config.size, digest: config.digest }, layers };
  return Buffer.from(JSON.stringify(manifest));
}

/** The statement inside a DSSE envelope's bytes, or undefined when they hold none. */
export function envelopeStatement(envelope: Buffer): Statement | undefined {
  try {
    const { payload } = JSON.parse(envelope.toString('utf8')) as Envelope;
    const statement = JSON.parse(decodeBase64(payload).toString('utf8')) as Statement | null;
    return statement && Array.isArray(statement.subject) ? statement : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a statement is chain's SLSA provenance of this image (sha256:<hex>). */
export function isChainProvenance(statement: Statement | undefined, subjectDigest: string): statement is Statement {
  return (
    statement?.predicateType === SLSA_PROVENANCE_V1 &&
    statement.predicate?.runDetails?.builder?.id === BUILDER_ID &&
    statement.subject.some((s) => `sha256:${s.digest?.sha256}` === subjectDigest)
  );
}

/** A layer's bytes, or undefined when the repository does not hold them as the layer's digest names them. */
async function layerBytes(client: RegistryClient, repository: string, layer: Descriptor): Promise<Buffer | undefined> {
  const bytes = await client.blob(repository, layer.digest);
  return bytes && sha256Digest(bytes) === layer.digest ? bytes : undefined;
}

/**
 * Stores a DSSE envelope beside the image it is about, under the image's attestation tag, and
 * returns the tag. An image re-attested (the same manifest built again, e.g. `--force` on a cached
 * build) keeps one chain record, the newest, as chain's own store does (its subject index points
 * at the latest record): chain's earlier provenance layers of the image are replaced, much as
 * `cosign attest --replace` replaces by predicate type, but only chain's, so attestations other
 * tools attached (an SBOM, a scan) stay, in their order, and the new layer goes last, where cosign
 * appends. Appending every time would grow the manifest with each forced rebuild, and cosign reads
 * at most 1000 layers (pkg/oci/remote/signatures.go maxLayers). A DSSE layer whose blob the
 * repository no longer holds is dropped: the registry refuses a manifest naming a missing blob.
 * Two writers racing on one tag: the last one wins, as with cosign. Of `subject` (the image's
 * manifest descriptor) only the digest is used: it names the tag, and this layout has no subject.
 */
export async function putAttestation(client: RegistryClient, repository: string, subject: Descriptor, envelope: Buffer): Promise<string> {
  const statement = envelopeStatement(envelope);
  if (!isChainProvenance(statement, subject.digest)) throw new Error(`putAttestation: the envelope is not chain's provenance of ${subject.digest}`);
  const tag = attestationTag(subject.digest);
  const kept: Descriptor[] = [];
  for (const layer of (await client.manifest(repository, tag))?.json.layers ?? []) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) kept.push(layer);
    else {
      const bytes = await layerBytes(client, repository, layer);
      if (bytes && !isChainProvenance(envelopeStatement(bytes), subject.digest)) kept.push(layer);
    }
  }
  await client.putBlob(repository, envelope, DSSE_MEDIA_TYPE);
  const layers = [...kept, attestationLayer(envelope, statement.predicateType)];
  const config = await client.putBlob(repository, attestationConfig(layers), OCI_CONFIG);
  await client.putManifest(repository, tag, OCI_MANIFEST, attestationManifest(config, layers));
  return tag;
}

/** The DSSE envelope of chain's provenance stored beside an image (the newest, when there are several), or undefined. */
export async function getAttestation(client: RegistryClient, repository: string, subjectDigest: string): Promise<Buffer | undefined> {
  const layers = (await client.manifest(repository, attestationTag(subjectDigest)))?.json.layers ?? [];
  for (const layer of [...layers].reverse()) {
    const bytes = layer.mediaType === DSSE_MEDIA_TYPE ? await layerBytes(client, repository, layer) : undefined;
    if (bytes && isChainProvenance(envelopeStatement(bytes), subjectDigest)) return bytes;
  }
  return undefined;
}
