/**
 * A chain's images in a registry, for `chain prune`: each manifest with the tags that point to it
 * and its creation time, and deleting one with its attestation.
 */
import { Labels, STAGING_TAG } from '../core/model.js';
import { isFingerprintTag, tagOf, type StoreImage } from '../core/prune.js';
import { attestationTag } from './registry-images.js';
import type { Descriptor, RegistryClient } from './registry.js';

/**
 * The images of one repository that carry a fingerprint tag, by manifest digest, with every tag
 * that points to each (`host/repository:tag`) and its config's creation time. An image whose
 * config is not labelled as this chain's is another chain's: it is left out, whatever its tags.
 */
export async function registryImages(client: RegistryClient, repository: string, chain: string): Promise<StoreImage[]> {
  // The staging tag only carries runners' pushes to their claims (exec/claim.ts): no image's tag.
  const tags = (await client.tags(repository)).filter((t) => !t.endsWith('.att') && t !== STAGING_TAG);
  // Which manifest each tag points to, a few requests at a time: a repository may hold hundreds of tags.
  const described: (Descriptor | undefined)[] = [];
  for (let i = 0; i < tags.length; i += 16) described.push(...(await Promise.all(tags.slice(i, i + 16).map((t) => client.describe(repository, t)))));
  const byDigest = new Map<string, string[]>();
  tags.forEach((tag, i) => {
    const digest = described[i]?.digest;
    if (digest) byDigest.set(digest, [...(byDigest.get(digest) ?? []), `${client.host}/${repository}:${tag}`]);
  });
  const images: StoreImage[] = [];
  for (const [digest, refs] of byDigest) {
    if (!refs.some((r) => isFingerprintTag(tagOf(r)))) continue;
    const config = await imageConfig(client, repository, digest);
    if (config?.config?.Labels?.[Labels.chain] === chain && config.created) images.push({ id: digest, created: config.created, tags: refs });
  }
  return images;
}

interface ImageConfig {
  created?: string;
  config?: { Labels?: Record<string, string> | null };
}

/** An image manifest's config; undefined for an index or an artifact (no image config). */
async function imageConfig(client: RegistryClient, repository: string, digest: string): Promise<ImageConfig | undefined> {
  const config = (await client.manifest(repository, digest))?.json.config;
  if (!config || !/image\.config|container\.image/.test(config.mediaType)) return undefined;
  const bytes = await client.blob(repository, config.digest);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as ImageConfig) : undefined;
}

export type Deletion = 'deleted' | 'gone';

/**
 * Deletes an image's manifest by digest (the registry drops every tag that points to it), then
 * the attestation stored beside it. 'gone': someone deleted it first. A registry that does not
 * allow deletes says so in one line (E_REGISTRY_DELETE, exit 4).
 */
export async function deleteRegistryImage(client: RegistryClient, repository: string, digest: string): Promise<Deletion> {
  const deleted = await client.deleteManifest(repository, digest);
  const attestation = await client.describe(repository, attestationTag(digest));
  if (attestation) await client.deleteManifest(repository, attestation.digest);
  return deleted ? 'deleted' : 'gone';
}

