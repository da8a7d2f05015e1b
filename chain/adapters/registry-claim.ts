/**
 * A node's fingerprint tag in the chain's registry, as the one-image-per-fingerprint protocol
 * (exec/claim.ts) reads and writes it: what it holds (a HEAD request; an image's fingerprint label
 * is read once per digest, which names its content for good), our manifest written under it, and
 * the attestation beside an image.
 */
import type { ClaimOps } from '../core/claim.js';
import { Labels } from '../core/model.js';
import { registryDown } from './registry-errors.js';
import { getAttestation, remoteImage } from './registry-images.js';
import type { RegistryClient } from './registry.js';

/**
 * `ours` is the manifest digest of the image this runner pushed (under the staging tag). Its bytes
 * are read before anything else, so that between reading the tag and writing it lies one request.
 */
export async function fingerprintTagClaims(client: RegistryClient, repository: string, tag: string, ours: string): Promise<ClaimOps> {
  const manifest = await client.manifest(repository, ours);
  if (!manifest) throw registryDown(client.host, `${repository}@${ours} is not in the registry right after its push`);
  const fingerprints = new Map<string, string | undefined>();
  return {
    async read() {
      const digest = await client.manifestDigest(repository, tag);
      if (!digest || digest === ours) return digest ? { digest } : undefined;
      if (!fingerprints.has(digest)) fingerprints.set(digest, (await remoteImage(client, repository, digest))?.labels[Labels.fingerprint]);
      const fingerprint = fingerprints.get(digest);
      return { digest, ...(fingerprint ? { fingerprint } : {}) };
    },
    async write() {
      await client.putManifest(repository, tag, manifest.mediaType, manifest.bytes);
    },
    attestation: (digest) => getAttestation(client, repository, digest),
  };
}
