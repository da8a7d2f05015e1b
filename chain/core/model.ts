/** The chain as plain data: what config/ produces and everything downstream consumes. */
import type { TestLimits } from './test-limits.js';

export const DEFAULT_TIERS = ['base', 'core', 'middleware', 'app'] as const;

export interface Team {
  name: string;
  members: string[];
  contact?: string;
  /** the team's handle on the code host, for CODEOWNERS */
  handle?: string;
  /** members' SSH public keys, by member: what signed commits are checked against */
  signingKeys?: Record<string, string>;
}

/** One entry of a node's `from`: a parent node, optionally with the semver range it accepts. */
export interface ParentRef {
  node: string;
  range?: string;
}

interface NodeCommon {
  name: string;
  tier: string;
  owner: string;
  description?: string;
  /** why the node is being retired, when it is */
  deprecated?: string;
  from: ParentRef[];
}

/** A node's context in its team's own repository, as chain.yaml names it. */
export interface SourceSpec {
  git: string;
  ref: string;
  /** the folder inside that repository */
  path?: string;
}

/** A team repository's checkout, fetched between the two phases of loading the chain. */
export interface Checkout {
  /** absolute folder of the checkout */
  dir: string;
  commit: string;
}

/** A context in a team's own repository, and the commit chain.lock pins it to. */
export interface TeamSource {
  git: string;
  ref: string;
  /** the folder inside that repository */
  path: string;
  /** the commit checked out in the cache */
  commit?: string;
}

/** What builds a node's image: the engine's classic builder (the default) or its BuildKit. */
export type Builder = 'classic' | 'buildkit';
export const DEFAULT_BUILDER: Builder = 'classic';

/** Where a build secret's value comes from when the build runs: never chain.yaml itself. */
export type SecretSource = { env: string } | { file: string };

/** A node built by chain from a team-owned folder. */
export interface BuiltNode extends NodeCommon {
  kind: 'built';
  /** set when the folder is a cached checkout of the team's repository */
  source?: TeamSource;
  /** the build context, relative to the chain root, with forward slashes */
  path: string;
  /** the Dockerfile, relative to the context */
  dockerfile: string;
  version?: string;
  args: Record<string, string>;
  /** build args declared secret (names like *TOKEN* are secret anyway) */
  secretArgs: string[];
  test: string[];
  /** what each test container may use (the defaults when unset) */
  testLimits?: TestLimits;
  /**
   * set when only chain.yaml was read for this node (a plan that does not cover it): its folder,
   * layer.yaml and Dockerfile were neither read nor checked, so version, args and tests are unknown
   */
  unread?: true;
  /** the builder the node itself names; unset: the chain's */
  builder?: Builder;
  /** BuildKit secrets (RUN --mount=type=secret,id=<id>): id -> where its value comes from */
  secrets?: Record<string, SecretSource>;
  /** its team promises its own layers do not depend on its base parent's content: a new base is rebased onto, not rebuilt */
  rebase?: boolean;
  /** what a rebased image whose tests fail becomes: a failed node (default), or a rebuild */
  rebaseFallback?: 'fail' | 'rebuild';
}

/** A node bought, not built: an image reference tracked by digest. */
export interface ExternalNode extends NodeCommon {
  kind: 'external';
  image: string;
}

export type ChainNode = BuiltNode | ExternalNode;

export interface ChainConfig {
  /** absolute folder holding chain.yaml: every node path is relative to it */
  root: string;
  /** absolute path of chain.yaml */
  file: string;
  name: string;
  teams: Record<string, Team>;
  tiers: string[];
  /** most builds at once per tier */
  concurrency: Record<string, number>;
  /** teams whose members may change the graph and ownership keys */
  admins: string[];
  /** public key files trusted for verification, absolute */
  trustedKeys: string[];
  /** where built images are published: host[:port]/prefix */
  registry?: string;
  /** a version tag never moves to different content: such a build is refused */
  immutableVersions?: boolean;
  /** check-owners takes only commits signed by a key of a team member, and the signer as their author */
  requireSignedCommits?: boolean;
  /** the builder of every node that names none (classic when unset) */
  builder?: Builder;
  nodes: Record<string, ChainNode>;
}

/** The builder that builds a node: its own, else the chain's, else classic. */
export function builderOf(chain: Pick<ChainConfig, 'builder'>, node: Pick<BuiltNode, 'builder'>): Builder {
  return node.builder ?? chain.builder ?? DEFAULT_BUILDER;
}

/** The image repository a node's images are tagged in on the local engine. */
export function imageRepository(chain: Pick<ChainConfig, 'name'>, node: string): string {
  return `${chain.name}/${node}`;
}

/** The repository a node's images are published to, when the chain has a registry. */
export function publishedRepository(chain: Pick<ChainConfig, 'registry'>, node: string): string | undefined {
  return chain.registry ? `${chain.registry.replace(/\/+$/, '')}/${node}` : undefined;
}

/** The content-addressed tag that marks an image as built from a fingerprint. */
export function fingerprintTag(fingerprint: string): string {
  return `fp-${fingerprint.slice(0, 12)}`;
}

/**
 * The tag a runner pushes a tested image under before it claims the fingerprint tag: one per
 * repository, overwritten by every push, never a release (see exec/claim.ts).
 */
export const STAGING_TAG = 'chain-staging';

/** The project's own label keys (reverse-DNS; `org.opencontainers` is reserved for OCI's). */
export const Labels = {
  chain: 'dev.chain.chain',
  node: 'dev.chain.node',
  tier: 'dev.chain.tier',
  owner: 'dev.chain.owner',
  fingerprint: 'dev.chain.fingerprint',
  /** a hash of the node's own inputs (context files but layer.yaml, Dockerfile path, args), without its parents or version: what makes an image a rebase source */
  ownInputs: 'dev.chain.own-inputs',
  /** how many layers, and how many history entries, of the image are its base parent's (where its own begin) */
  baseLayers: 'dev.chain.base-layers',
  baseHistory: 'dev.chain.base-history',
  /** on test containers: the node under test */
  test: 'dev.chain.test',
  /** on test containers: the checkout whose run made them (see checkoutId), so cleanup never touches another's */
  checkout: 'dev.chain.checkout',
} as const;

/** The human tags a promoted image gets: its version, and a build-id tag; never `latest`. */
export function humanTags(version: string | undefined, buildId: string): string[] {
  return version !== undefined ? [version, `${version}-${buildId}`] : [`build-${buildId}`];
}

/** Build args that must never be recorded: declared secret, or named like a credential. */
export function isSecretArg(name: string, declared: readonly string[]): boolean {
  return declared.includes(name) || /TOKEN|PASSWORD|SECRET|KEY/i.test(name);
}

/** Only the build args that may be recorded. */
export function recordableArgs<T>(args: Record<string, T>, declared: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(args).filter(([name]) => !isSecretArg(name, declared)));
}
