/**
 * Rebase sources, observed: for each node that declares `rebase: true`, an earlier image of it
 * with the same own inputs (its `dev.chain.own-inputs` label), attested, under its own
 * fingerprint tag. The planner decides whether to rebase from it (core/rebase.ts).
 */
import { ownInputsKey } from '../core/fingerprint.js';
import type { BuildRecord, BuiltInputs, NodeInputs, PreviousImage, StoreObservations, TaggedImage } from '../core/inputs.js';
import semver from 'semver';
import { Labels, fingerprintTag, imageRepository, type ChainConfig } from '../core/model.js';
import { rebaseLabels } from '../core/rebase.js';
import type { RegistryClient } from '../adapters/registry.js';
import { attestationTag, remoteImage } from '../adapters/registry-images.js';

export interface RebaseCandidates {
  /** node -> its own-inputs key now */
  keys: Record<string, string>;
  /** node -> fingerprints of earlier images that may be its rebase source, the likeliest first */
  fingerprints: Record<string, string[]>;
}

/** The nodes that declare rebase, their own-inputs keys, and the earlier fingerprints worth looking at. */
export function rebaseCandidates(config: ChainConfig, built: string[], inputs: Record<string, NodeInputs>, fingerprints: Record<string, string>, store: StoreObservations, records: Record<string, BuildRecord | undefined>): RebaseCandidates {
  const out: RebaseCandidates = { keys: {}, fingerprints: {} };
  let tagged: [string, TaggedImage][] | undefined; // sorted once, when a node declares rebase
  for (const name of built) {
    const node = config.nodes[name];
    const current = inputs[name];
    if (node?.kind !== 'built' || !node.rebase || current?.kind !== 'built') continue;
    const key = ownInputsKey(current as BuiltInputs);
    out.keys[name] = key;
    const prefix = `${imageRepository(config, name)}:fp-`;
    const found = new Set<string>();
    const record = records[name];
    if (record && record.fingerprint !== fingerprints[name]) found.add(record.fingerprint);
    tagged ??= [...store.local].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [tag, image] of tagged) {
      if (!tag.startsWith(prefix) || image.rebase?.ownInputs !== key || !image.fingerprint) continue;
      if (image.fingerprint !== fingerprints[name] && tag === `${prefix.slice(0, -3)}:${fingerprintTag(image.fingerprint)}`) found.add(image.fingerprint);
    }
    out.fingerprints[name] = [...found];
  }
  return out;
}

/** Without a registry: the local engine's image under a candidate fingerprint, attested, with the same own inputs. */
export function localPrevious(config: ChainConfig, candidates: RebaseCandidates, store: StoreObservations): Record<string, PreviousImage> {
  const out: Record<string, PreviousImage> = {};
  for (const [name, fingerprints] of Object.entries(candidates.fingerprints)) {
    for (const fingerprint of fingerprints) {
      const image = store.local.get(`${imageRepository(config, name)}:${fingerprintTag(fingerprint)}`);
      if (!image?.attested || !image.rebase || image.fingerprint !== fingerprint || image.rebase.ownInputs !== candidates.keys[name]) continue;
      out[name] = { ...image.rebase, fingerprint, image: { id: image.id } };
      break;
    }
  }
  return out;
}

/**
 * The release tags worth looking at when nothing local names an earlier image (a fresh CI
 * runner): the node's version tag, and its highest released version below it (what a cascade's
 * bump left behind), as the registry lists them.
 */
export function releaseCandidates(tags: readonly string[], version: string | undefined): string[] {
  if (version === undefined) return [];
  const released = tags.filter((tag) => semver.valid(tag) === tag && semver.prerelease(tag) === null && semver.lt(tag, version));
  const below = released.sort(semver.rcompare)[0];
  return [...(tags.includes(version) ? [version] : []), ...(below ? [below] : [])];
}

/**
 * With a registry: the image in the node's repository under a candidate fingerprint (else under
 * the fingerprint a release tag's image carries), attested there, with the same own inputs and
 * another fingerprint (what the registry path rebases from, by its manifest).
 */
export async function remotePrevious(
  client: RegistryClient,
  repository: string,
  tags: readonly string[],
  candidates: { fingerprints: readonly string[]; releases: readonly string[]; current: string },
  key: string,
  localId: (fingerprint: string) => string | undefined,
): Promise<PreviousImage | undefined> {
  const at = async (fingerprint: string): Promise<PreviousImage | undefined> => {
    const tag = fingerprintTag(fingerprint);
    if (fingerprint === candidates.current || !tags.includes(tag)) return undefined;
    const image = await remoteImage(client, repository, tag);
    const rebase = rebaseLabels(image?.labels);
    if (!image || !rebase || image.labels[Labels.fingerprint] !== fingerprint) return undefined;
    if (rebase.ownInputs !== key || !tags.includes(attestationTag(image.digest))) return undefined;
    // The engine's image of that fingerprint, when it is this very image (its ID is its config's digest).
    const id = localId(fingerprint) === image.id ? image.id : undefined;
    return { ...rebase, fingerprint, image: { ...(id ? { id } : {}), digest: `${client.host}/${repository}@${image.digest}` } };
  };
  for (const fingerprint of candidates.fingerprints) {
    const found = await at(fingerprint);
    if (found) return found;
  }
  // A release tag only names the fingerprint: the image attested is the one under its fingerprint tag.
  for (const tag of candidates.releases) {
    const fingerprint = tags.includes(tag) ? (await remoteImage(client, repository, tag))?.labels[Labels.fingerprint] : undefined;
    const found = fingerprint ? await at(fingerprint) : undefined;
    if (found) return found;
  }
  return undefined;
}
