/**
 * The chain's registry, observed as the image store that decides freshness. For each built node,
 * one request on the common path: its fingerprint tag's manifest (what the tag points to now, which
 * a forced rebuild or a claim taken over moves). What is true of that manifest's digest for good
 * (its fingerprint label; its attestation, once seen) comes from RegistryFacts when a run before
 * this one read it. Where each version tag points, and the earlier images a rebase could start
 * from, matter only to a node the plan may build: they are read for those nodes alone (the nodes
 * not up to date there, the forced ones, and their descendants), or for every versioned node when
 * asked (a --push build converges the version tags of up-to-date nodes), or for none (a command
 * that needs only what is current).
 */
import PQueue from 'p-queue';
import { ChainError } from '../core/errors.js';
import type { ChainGraph } from '../core/graph.js';
import type { PreviousImage, RemoteTagged, StoreObservations } from '../core/inputs.js';
import { Labels, fingerprintTag, type ChainConfig } from '../core/model.js';
import { parseRegistry, type RegistryClient } from '../adapters/registry.js';
import { attestationTag, imageOfManifest } from '../adapters/registry-images.js';
import type { DigestFacts, RegistryFacts } from '../adapters/registry-facts.js';
import { releaseCandidates, remotePrevious, type RebaseCandidates } from './previous.js';

/** Registry requests at once while observing the chain's images. */
const REGISTRY_CONCURRENCY = 16;

/** What the plan will ask of the registry beyond each node's fingerprint tag. */
export interface RegistryAsk {
  /** nodes rebuilt whatever the registry holds (--force) */
  force?: ReadonlySet<string>;
  /**
   * whose version tags and rebase sources to read: of the nodes the plan may build (the default);
   * `all` reads every versioned node's version tag too (a --push build moves stale ones); `none`,
   * neither (what is current is all that is asked: chain ci, prune, verify)
   */
  releases?: 'moving' | 'all' | 'none';
}

export interface RegistryObserved {
  config: ChainConfig;
  graph: ChainGraph;
  built: string[];
  fingerprints: Record<string, string>;
  client: (host: string) => RegistryClient;
  facts: RegistryFacts;
  candidates: RebaseCandidates;
}

/**
 * What the chain's registry holds for each built node: the image under its fingerprint tag (with
 * its fingerprint label, and whether its attestation is beside it), and, for the nodes the plan
 * may build, where their version tags point and their rebase sources. An unreachable registry is
 * said once.
 */
export async function observeRegistry(at: RegistryObserved, store: StoreObservations, previous: Record<string, PreviousImage | undefined>, ask: RegistryAsk = {}): Promise<void> {
  const { config, built, fingerprints, candidates } = at;
  const { host, prefix } = parseRegistry(config.registry as string);
  const registry = at.client(host);
  const tagged: Record<string, RemoteTagged> = {};
  const released: Record<string, string> = {};
  store.registry = { name: config.registry as string, tagged, released };
  const repoOf = (name: string) => [prefix, name].filter(Boolean).join('/');
  // A few requests at a time over kept-alive connections: a thousand at once cost a connection each.
  const queue = new PQueue({ concurrency: REGISTRY_CONCURRENCY });
  try {
    await Promise.all(
      built.map((name) =>
        queue.add(async () => {
          const found = await fingerprintImage(registry, repoOf(name), fingerprints[name] as string, at.facts);
          if (found) tagged[name] = found;
        }),
      ),
    );
    const moving = ask.releases === 'none' ? new Set<string>() : mayBuild(at, tagged, ask.force);
    const asked = built.filter((name) => moving.has(name) || (ask.releases === 'all' && versionOf(config, name) !== undefined));
    await Promise.all(
      asked.map((name) =>
        queue.add(async () => {
          const repo = repoOf(name);
          const version = versionOf(config, name);
          const key = moving.has(name) ? candidates.keys[name] : undefined;
          if (!key) {
            const release = version !== undefined ? await registry.manifestDigest(repo, version) : undefined;
            if (release) released[name] = release;
            return;
          }
          // A rebase candidate: its release tags below its version are found in the tags list.
          const tags = await registry.tags(repo);
          const release = version !== undefined && tags.includes(version) ? await registry.manifestDigest(repo, version) : undefined;
          if (release) released[name] = release;
          const localId = (fp: string) => store.local.get(`${config.name}/${name}:${fingerprintTag(fp)}`)?.id;
          const releases = releaseCandidates(tags, version);
          previous[name] = await remotePrevious(registry, repo, tags, { fingerprints: candidates.fingerprints[name] ?? [], releases, current: fingerprints[name] as string }, key, localId);
        }),
      ),
    );
  } catch (err) {
    queue.clear(); // what is still waiting is not asked: the registry has been said to be down
    if (!(err instanceof ChainError)) throw err;
    store.registry = { name: config.registry as string, tagged: {}, released: {} };
    for (const name of Object.keys(previous)) delete previous[name];
    store.reachable = false;
    if (err.problems[0]) store.problem = err.problems[0].message;
  }
}

/**
 * The image under a node's fingerprint tag: its manifest read now (the tag moves), what is true
 * of that digest for good from what earlier runs read (else its config, then its attestation tag,
 * asked now). An image whose label names another fingerprint makes nothing current: its
 * attestation is not asked about.
 */
async function fingerprintImage(registry: RegistryClient, repo: string, fingerprint: string, facts: RegistryFacts): Promise<RemoteTagged | undefined> {
  const manifest = await registry.manifest(repo, fingerprintTag(fingerprint));
  if (!manifest) return undefined;
  const digest = `${registry.host}/${repo}@${manifest.digest}`;
  let known: DigestFacts | undefined = facts.get(digest);
  if (!known) {
    const image = await imageOfManifest(registry, repo, manifest);
    if (!image) return undefined;
    const label = image.labels[Labels.fingerprint];
    known = { ...(label !== undefined ? { fingerprint: label } : {}), attested: false };
  }
  if (!known.attested && known.fingerprint === fingerprint) known = { ...known, attested: (await registry.describe(repo, attestationTag(manifest.digest))) !== undefined };
  facts.set(digest, known);
  return { digest, ...(known.fingerprint !== undefined ? { fingerprint: known.fingerprint } : {}), attested: known.attested };
}

/**
 * The nodes the plan may build, so whose version tags and rebase sources matter: those the registry
 * holds no current image of, the forced ones, and their descendants (a parent rebuilt rebuilds its
 * children). A superset of what the planner builds: it decides.
 */
function mayBuild(at: RegistryObserved, tagged: Record<string, RemoteTagged>, force: ReadonlySet<string> | undefined): Set<string> {
  const stale = at.built.filter((name) => force?.has(name) || tagged[name]?.fingerprint !== at.fingerprints[name] || !tagged[name]?.attested);
  const built = new Set(at.built);
  return new Set([...stale, ...[...at.graph.descendants(stale)].filter((name) => built.has(name))]);
}

function versionOf(config: ChainConfig, name: string): string | undefined {
  const node = config.nodes[name];
  return node?.kind === 'built' ? node.version : undefined;
}
