/**
 * Image references by a real reference parser, never by splitting strings: `host:5000/repo:tag`
 * has two colons, and the first path segment is a host only when it looks like one.
 */
import { parseFamiliarName } from '@swimlane/docker-reference';

export interface ImageRef {
  /** how chain names the repository: `host[:port]/path`, or only the path on Docker Hub */
  repository: string;
  /** the registry host with its port (`docker.io` when the reference names none) */
  host: string;
  /** the repository's path inside its registry, e.g. `acme/site` */
  path: string;
  tag?: string;
  digest?: string;
}

/** A reference with a digest: `repo@sha256:...`, as a push answers and a pull takes. */
export type DigestRef = ImageRef & { digest: string };

/** Splits an image reference into its parts; throws on a malformed reference. */
export function parseImageRef(image: string): ImageRef {
  const ref = parseFamiliarName(image);
  const host = ref.domain ?? 'docker.io';
  const repoPath = ref.repository ?? '';
  return {
    // Docker Hub images keep the short form the statement and the engine use (`library/busybox`).
    repository: host === 'docker.io' ? repoPath : `${host}/${repoPath}`,
    host,
    path: repoPath,
    ...(ref.tag ? { tag: ref.tag } : {}),
    ...(ref.digest ? { digest: ref.digest } : {}),
  };
}

/** A `repo@sha256:...` reference; throws when it carries no digest. */
export function parseDigestRef(image: string): DigestRef {
  const ref = parseImageRef(image);
  if (!ref.digest) throw new Error(`image reference ${image} has no digest`);
  return { ...ref, digest: ref.digest };
}

/** The repository of an image reference, without its tag or digest. */
export function repositoryOf(image: string): string {
  return parseImageRef(image).repository;
}

/** The digest of a `repo@sha256:...` reference. */
export function digestOf(image: string): string {
  return parseDigestRef(image).digest;
}
