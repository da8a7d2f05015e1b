/** Promotion: human tags move onto an image only once its node built and passed its tests. */
import { humanTags, imageRepository, publishedRepository, type ChainConfig } from '../core/model.js';
import type { Engine } from '../adapters/engine.js';
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
 * Tags each image with its human tags, locally and, when publishing, in the registry (a push of
 * a tag whose layers are there already); returns the full tags given, by node.
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
    const imageId = p.imageId ?? (await engine.pull(p.digest as string, publish?.credentials));
    for (const repo of [imageRepository(chain, p.node), ...(publish ? [publishedRepository(chain, p.node) as string] : [])]) {
      for (const tag of tags) {
        await engine.tag(imageId, repo, tag);
        if (repo !== imageRepository(chain, p.node)) await engine.push(repo, tag, publish?.credentials);
        given.push(`${repo}:${tag}`);
        onPromoted(p.node, `${repo}:${tag}`);
      }
    }
    out.set(p.node, given);
  }
  return out;
}

/** A build id for build-id tags: sortable UTC time plus a few random hex digits. */
export function newBuildId(now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '.');
  return `${stamp}.${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}
