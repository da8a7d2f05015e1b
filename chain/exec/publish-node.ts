/**
 * Publishing a tested image under its node's fingerprint, one image per fingerprint whatever
 * races (exec/claim.ts): its layers and manifest go up under the staging tag, then the runner
 * claims the fingerprint tag, and either owns it (the caller records and attests its image) or
 * adopts the image another runner published first (pulled by digest, recorded with that
 * runner's attestation as its custody).
 */
import { parseDigestRef } from '../core/image-ref.js';
import { fingerprintTag, imageRepository, publishedRepository, STAGING_TAG } from '../core/model.js';
import { fingerprintTagClaims } from '../adapters/registry-claim.js';
import type { NodeBuild } from './build-types.js';
import { claimFingerprint, type Claim } from './claim.js';
import type { Publish } from './promote.js';
import { recordAdopted } from './record.js';

/** The published repository (host/prefix/node) and the node's fingerprint tag. */
function names(build: NodeBuild): { published: string; fpTag: string } {
  const published = publishedRepository(build.inputs.config, build.node.name);
  if (!published) throw new Error(`publish: the chain of ${build.node.name} has no registry`);
  return { published, fpTag: fingerprintTag(build.plan.fingerprint) };
}

/** Pushes the image under the staging tag; returns its manifest reference (host/repo@sha256:...). */
export async function stage(build: NodeBuild, publish: Publish, imageId: string, onLine: (line: string) => void): Promise<string> {
  const { published, fpTag } = names(build);
  // The image keeps a tag of its own while the staging tag comes and goes (its last tag would take it along).
  await build.engine.tag(imageId, published, fpTag);
  await build.engine.tag(imageId, published, STAGING_TAG);
  const staged = `${published}@${await build.engine.push(published, STAGING_TAG, publish.credentials)}`;
  await build.engine.untag(`${published}:${STAGING_TAG}`);
  onLine(`# staged ${staged}`);
  return staged;
}

/** Claims the fingerprint tag for the staged image (again, to confirm, once it is attested). */
export async function claim(build: NodeBuild, publish: Publish, staged: string, onLine: (line: string) => void, replace = false): Promise<Claim> {
  const { fpTag } = names(build);
  const ref = parseDigestRef(staged);
  const ops = await fingerprintTagClaims(publish.registry, ref.path, fpTag, ref.digest);
  return claimFingerprint(ops, { ours: ref.digest, fingerprint: build.plan.fingerprint, replace, onLine }, publish.claimTimings);
}

/**
 * Takes the image another runner published under the fingerprint: pulled by digest, recorded
 * with that runner's attestation, and given the fingerprint tags (last, as a build's are).
 */
export async function adopt(build: NodeBuild, publish: Publish, won: Extract<Claim, { kind: 'adopt' }>, onLine: (line: string) => void): Promise<{ imageId: string; digest: string; tags: string[] }> {
  const { published, fpTag } = names(build);
  const digest = `${published}@${won.digest}`;
  const imageId = await build.engine.pull(digest, publish.credentials);
  onLine(`# adopted ${digest}: another runner published ${fpTag} first`);
  recordAdopted(build, { imageId, digest, attestation: won.attestation }, onLine);
  const repo = imageRepository(build.inputs.config, build.node.name);
  await build.engine.tag(imageId, published, fpTag);
  await build.engine.tag(imageId, repo, fpTag);
  onLine(`# current ${repo}:${fpTag}`);
  return { imageId, digest, tags: [`${repo}:${fpTag}`, `${published}:${fpTag}`] };
}
