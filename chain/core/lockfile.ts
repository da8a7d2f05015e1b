/** chain.lock's shape: the digest each external image reference resolved to, and team repositories' commits. */

export const LOCK_FILE = 'chain.lock';

export interface Pin {
  /** the reference as chain.yaml wrote it when it was pinned */
  image: string;
  /** repo@sha256:... (manifest) or sha256:... (the engine's image ID, for images in no registry) */
  digest: string;
  kind: 'manifest' | 'image-id';
}

export interface SourcePin {
  git: string;
  ref: string;
  commit: string;
}

export interface Lockfile {
  lockfileVersion: 1;
  externals: Record<string, Pin>;
  /** team repositories: the commit each node's source is pinned to */
  sources?: Record<string, SourcePin>;
}
