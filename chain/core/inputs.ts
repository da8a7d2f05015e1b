/** What was read from the world about each node: the data the fingerprint and the plan use. */

/** A built node's inputs as the engine would receive them. */
export interface BuiltInputs {
  kind: 'built';
  /** context files after .dockerignore: relative path -> "<git mode> <git blob sha1>" */
  files: Record<string, string>;
  /** the Dockerfile path inside the context */
  dockerfile: string;
  /** build args: name -> sha256 of the value (values themselves may be secret) */
  args: Record<string, string>;
  version?: string;
  /** set only when not the default classic builder, so that classic fingerprints stay as they were */
  builder?: 'buildkit';
  /** the ids of the node's BuildKit secrets, sorted: never their values */
  secrets?: string[];
}

/** An external image: identified by its manifest digest, else by the engine's image ID. */
export interface ExternalInputs {
  kind: 'external';
  image: string;
  /** `sha256:...`; undefined when the image could not be resolved */
  digest?: string;
  digestKind: 'manifest' | 'image-id' | 'unresolved';
}

export type NodeInputs = BuiltInputs | ExternalInputs;

/**
 * What identifies an image wherever it is: the engine's image ID (the digest of its config), the
 * manifest digest a registry knows it by, and the repository (host/path) that holds it.
 */
export interface ImageIdentity {
  id?: string;
  /** sha256:... of the manifest */
  digest?: string;
  repository?: string;
}

/**
 * An image found in the store for a node: in the local engine (its ID), in the registry (its
 * manifest digest, `repo@sha256:...`), or both. A child that needs a parent known only by digest
 * pulls it first.
 */
export interface StoredImage {
  id?: string;
  digest?: string;
}

/** The one name of a stored image: its manifest digest reference when it has one, else its local ID. */
export function storedName(image: StoredImage): string {
  const name = image.digest ?? image.id;
  if (name === undefined) throw new Error('an image stored with neither a digest nor an ID');
  return name;
}

/**
 * The last build of a node, kept in the state folder. It only explains *why* a node must
 * rebuild; freshness is decided by the image store alone, so losing it loses detail, not
 * correctness.
 */
export interface BuildRecord {
  format: 1;
  node: string;
  fingerprint: string;
  files: Record<string, string>;
  args: Record<string, string>;
  version?: string;
  /** each parent's fingerprint and image at build time */
  parents: Record<string, { fingerprint: string; image: string }>;
  imageId: string;
  /** the manifest in the registry (host/repo@sha256:...), when published */
  digest?: string;
  /** another runner published this fingerprint first: imageId and digest name its image, adopted */
  adopted?: true;
  builtAt: string;
}

/** An image the local engine has: what a build can be pinned to. */
export type LocalImage = StoredImage & { id: string };

/** What an image's labels say about rebasing it: its own inputs, and where its own layers and history begin. */
export interface RebaseLabels {
  ownInputs: string;
  baseLayers: number;
  baseHistory: number;
  /** the base parent it was built on (org.opencontainers.image.base.digest) */
  base?: string;
}

/**
 * An earlier image of a node with the same own inputs, found in the store: a rebase starts from it
 * (its own layers are kept; its base's are replaced).
 */
export interface PreviousImage extends RebaseLabels {
  fingerprint: string;
  /** its local image ID and/or registry manifest (repo@sha256:...) */
  image: StoredImage;
}

/** A tag of the chain's images in the local engine: its image and the fingerprint label it carries. */
export interface TaggedImage {
  id: string;
  fingerprint?: string;
  /** what its labels say about rebasing it, when it carries them */
  rebase?: RebaseLabels;
  /** a provenance record about this very image is stored (custody) */
  attested?: boolean;
}

/** What a registry holds under a node's fingerprint tag. */
export interface RemoteTagged {
  /** repo@sha256:... */
  digest: string;
  fingerprint?: string;
  /** the signed record is stored beside it, under its attestation tag (custody) */
  attested: boolean;
}

/** What the image stores hold for the chain, as observed; the planner decides what satisfies a node. */
export interface StoreObservations {
  /** false when the store could not be reached: planned as if no image existed */
  reachable: boolean;
  /** why it could not be reached, said once */
  problem?: string;
  /** the local engine: every tag of the chain's images */
  local: ReadonlyMap<string, TaggedImage>;
  /** with a registry: where it is (host/prefix), and what it holds under each built node's fingerprint tag */
  registry?: {
    name: string;
    tagged: Readonly<Record<string, RemoteTagged>>;
    /** the manifest digest (sha256:...) each node's version tag points to there, when it has one */
    released: Readonly<Record<string, string>>;
  };
}

/** Everything read from the world that the planner decides on. */
export interface Observations {
  inputs: Record<string, NodeInputs>;
  fingerprints: Record<string, string>;
  /** external nodes as pinned or resolved */
  externals: Record<string, StoredImage>;
  store: StoreObservations;
  records: Record<string, BuildRecord | undefined>;
  /** nodes that declare rebase: an earlier image of theirs with the same own inputs, when the store has one */
  previous?: Record<string, PreviousImage | undefined>;
}
