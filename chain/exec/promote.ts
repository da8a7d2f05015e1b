/** Promotion: human tags move onto an image only once its node built and passed its tests. */
import { humanTags, imageRepository } from '../core/model.js';
import type { DockerEngine } from '../adapters/docker.js';

export interface Promotion {
  node: string;
  imageId: string;
  version?: string;
}

/** Tags each image with its human tags; returns the full tags given, by node. */
export async function promote(engine: DockerEngine, chain: string, buildId: string, promotions: Promotion[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of promotions) {
    const repo = imageRepository({ name: chain }, p.node);
    const tags = humanTags(p.version, buildId);
    for (const tag of tags) await engine.tag(p.imageId, repo, tag);
    out.set(p.node, tags.map((t) => `${repo}:${t}`));
  }
  return out;
}

/** A build id for build-id tags: sortable UTC time plus a few random hex digits. */
export function newBuildId(now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '.');
  return `${stamp}.${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}
