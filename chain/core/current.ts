/**
 * Which image makes a node current, and what `--only` makes of a node that is not: pure
 * decisions on what the world reader observed. No I/O here.
 */
import type { ChainGraph } from './graph.js';
import type { Observations, StoredImage } from './inputs.js';
import { fingerprintTag, imageRepository, type ChainConfig } from './model.js';

type Observed = Pick<Observations, 'externals' | 'store'> & { chain: ChainConfig };

/**
 * The image that satisfies a node now: an external node's pinned or resolved image; for a built
 * node, an image tagged with its fingerprint tag whose label carries the whole fingerprint (the
 * tag holds only 12 hex digits) and whose custody is recorded (no current image without it).
 * With a registry, the registry decides, so that a runner with an empty engine plans the same;
 * the local image, when it matches too, spares a pull.
 */
export function satisfying(name: string, fingerprint: string, input: Observed): StoredImage | undefined {
  const found = observedImage(name, fingerprint, input);
  return found?.attested ? found.image : undefined;
}

/** The image under the node's fingerprint, whether or not its custody is recorded. */
export function observedImage(name: string, fingerprint: string, input: Observed): { image: StoredImage; attested: boolean } | undefined {
  const external = input.chain.nodes[name]?.kind === 'external' ? input.externals[name] : undefined;
  if (external) return { image: external, attested: true };
  const tagged = input.store.local.get(`${imageRepository(input.chain, name)}:${fingerprintTag(fingerprint)}`);
  const local = tagged?.fingerprint === fingerprint ? tagged : undefined;
  if (!input.store.registry) return local ? { image: { id: local.id }, attested: local.attested ?? false } : undefined;
  const remote = input.store.registry.tagged[name];
  if (remote?.fingerprint !== fingerprint) return undefined;
  return { image: { ...(local ? { id: local.id } : {}), digest: remote.digest }, attested: remote.attested };
}

/** Where images are looked for, in words: the registry when there is one. */
export function storeName(input: Pick<Observations, 'store'>): string {
  return input.store.registry ? `the registry ${input.store.registry.name}` : 'the local engine';
}

/**
 * `--only`: the nodes a run builds are exactly the named ones; with `touched` (--since), only
 * those the change touched, themselves or through an ancestor.
 */
export function onlyNamed(graph: ChainGraph, targets: string[], touched?: Iterable<string>): string[] {
  if (!touched) return [...new Set(targets)].sort();
  const changed = [...touched];
  const affected = new Set([...changed, ...graph.descendants(changed)]);
  return [...new Set(targets.filter((t) => affected.has(t)))].sort();
}

/** A parent of a node built with `--only` that is not current: the node cannot start. */
export interface ParentNotCurrent {
  parent: string;
  /** where it was looked for: "the registry host/prefix", "the local engine" */
  store: string;
  /** the command that makes it current */
  command: string;
}

/** The stable code of a node that cannot start because a parent is not current. */
export const PARENT_NOT_CURRENT = 'E_PARENT_NOT_CURRENT';

export function parentNotCurrent(parent: string, input: Pick<Observations, 'store'>): ParentNotCurrent {
  return { parent, store: storeName(input), command: `chain build ${parent} --only${input.store.registry ? ' --push' : ''}` };
}

/** The one sentence a run and a plan say about it. */
export function describeParentNotCurrent(missing: ParentNotCurrent): string {
  return `${missing.parent} is not current in ${missing.store}: build it first (${missing.command})`;
}
