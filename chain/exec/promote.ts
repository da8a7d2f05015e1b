/** Promotion: human tags move onto an image only once its node built and passed its tests. */
import { humanTags, imageRepository, publishedRepository, type ChainConfig } from '../core/model.js';
import { parseDigestRef, type DigestRef } from '../core/image-ref.js';
import type { Engine } from '../adapters/engine.js';
import { registryDown } from '../adapters/registry-errors.js';
import type { Credentials, RegistryClient } from '../adapters/registry.js';
import type { ClaimTimings } from './claim.js';

export interface Promotion {
  node: string;
  /** the local image; when unknown, pulled by its registry digest first */
  imageId?: string;
  /** repo@sha256:... in the registry */
  digest?: string;
  version?: string;
}

/** Where a run publishes, when it pushes to the chain's registry. */
export interface Publish {
  credentials?: Credentials;
  /** the chain's registry, for the attestations stored beside each image */
  registry: RegistryClient;
  /** the timings of the one-image-per-fingerprint protocol (tests drive races with their own) */
  claimTimings?: ClaimTimings;
}

/**
 * Tags each image with its human tags: locally when the engine has it, and, when publishing, in
 * the registry, where each tag is put as the very manifest pushed (its bytes, by its digest: one
 * request a tag, nothing through the engine). Returns the full tags given, by node.
 */
export async function promote(
  engine: Engine,
  chain: Pick<ChainConfig, 'name' | 'registry'>,
  buildId: string,
  promotions: Promotion[],
  publish: Publish | undefined,
  /** told each tag given, as it is given */
  onPromoted: (node: string, tag: string) => void,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of promotions) {
    const tags = humanTags(p.version, buildId);
    const given: string[] = [];
    const give = (tag: string) => {
      given.push(tag);
      onPromoted(p.node, tag);
    };
    const pushed = publish && p.digest ? parseDigestRef(p.digest) : undefined;
    // An image only the registry holds is tagged there alone; without publishing, it is pulled to be tagged here.
    const imageId = p.imageId ?? (pushed ? undefined : await engine.pull(p.digest as string, publish?.credentials));
    const repo = imageRepository(chain, p.node);
    if (imageId) for (const tag of tags) await engine.tag(imageId, repo, tag).then(() => give(`${repo}:${tag}`));
    if (publish && pushed) await tagInRegistry(publish.registry, pushed, tags, give);
    else if (publish && imageId) {
      const published = publishedRepository(chain, p.node) as string;
      for (const tag of tags) {
        await engine.tag(imageId, published, tag);
        await engine.push(published, tag, publish.credentials);
        give(`${published}:${tag}`);
      }
    }
    out.set(p.node, given);
  }
  return out;
}

/** Puts the manifest the image was pushed as under each tag, by its bytes: every tag names the digest attested. */
async function tagInRegistry(registry: RegistryClient, pushed: DigestRef, tags: string[], give: (tag: string) => void): Promise<void> {
  const manifest = await registry.manifest(pushed.path, pushed.digest);
  if (!manifest) throw registryDown(registry.host, `${pushed.repository}@${pushed.digest} is no longer in the registry`);
  for (const tag of tags) {
    // One at a time: every put writes the same revision link, and docker-registry's renames race.
    const digest = await registry.putManifest(pushed.path, tag, manifest.mediaType, manifest.bytes);
    if (digest !== pushed.digest) throw registryDown(registry.host, `it stored ${pushed.repository}:${tag} as ${digest}, not as ${pushed.digest}`);
    give(`${pushed.repository}:${tag}`);
  }
}

/** A build id for build-id tags: sortable UTC time plus a few random hex digits. */
export function newBuildId(now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '.');
  return `${stamp}.${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}
