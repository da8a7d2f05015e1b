/**
 * Rebase, decided: a node whose team declares `rebase: true` and whose only changed input is its
 * base parent gets the action `rebase`: its earlier image's own layers are placed on the parent's
 * new image, no step runs (as Cloud Native Buildpacks' rebase and go-containerregistry's
 * mutate.Rebase do). Pure: the store's earlier image was observed by the world reader.
 */
import { ownInputsKey } from './fingerprint.js';
import { digestOf } from './image-ref.js';
import { Labels, type BuiltNode } from './model.js';
import type { ChainGraph } from './graph.js';
import type { Observations, PreviousImage, RebaseLabels, StoredImage } from './inputs.js';
import type { Reason } from './reasons.js';

/** The actions a plan gives a node; rebase and build both make a new image of it. */
export type Action = 'build' | 'rebase' | 'skip' | 'hold' | 'missing';

/** Whether the action makes a new image (a build or a rebase). */
export function makesImage(action: Action | undefined): boolean {
  return action === 'build' || action === 'rebase';
}

/** What the executor needs to rebase a node: the base parent, and the earlier image it starts from. */
export interface RebasePlan {
  parent: string;
  from: PreviousImage;
}

/** The rebase fields of an image's labels, when it carries them all (images built before rebase existed do not). */
export function rebaseLabels(labels: Readonly<Record<string, string>> | undefined): RebaseLabels | undefined {
  const ownInputs = labels?.[Labels.ownInputs];
  const baseLayers = Number(labels?.[Labels.baseLayers]);
  const baseHistory = Number(labels?.[Labels.baseHistory]);
  if (!ownInputs || !Number.isInteger(baseLayers) || !Number.isInteger(baseHistory) || baseLayers < 0 || baseHistory < 0) return undefined;
  const base = labels?.['org.opencontainers.image.base.digest'];
  return { ownInputs, baseLayers, baseHistory, ...(base ? { base } : {}) };
}

/** How an image is named in a base label: its manifest digest (sha256:...) when it has one, else its ID. */
export function baseIdentity(image: StoredImage): string | undefined {
  if (!image.digest) return image.id;
  return image.digest.includes('@') ? digestOf(image.digest) : image.digest;
}

interface ParentState {
  action: Action | undefined;
  /** the image that satisfies it now, when it is current */
  image?: StoredImage;
}

/**
 * Whether a node that must build can be rebased instead: it declares rebase, has one parent (the
 * base: configuration refuses rebase elsewhere), was not forced, an earlier image of it with the
 * same own inputs is in the store, and its base parent is not the one that image was built on.
 */
export function rebaseDecision(
  node: BuiltNode,
  input: Pick<Observations, 'inputs' | 'fingerprints' | 'previous'> & { graph: ChainGraph },
  reasons: readonly Reason[],
  parentState: (parent: string) => ParentState,
): { reason: Reason; rebase: RebasePlan } | undefined {
  if (!node.rebase) return undefined;
  if (reasons.some((r) => r.kind === 'forced' || r.kind === 'unattested')) return undefined;
  const parents = input.graph.parents(node.name);
  const parent = parents[0];
  if (parents.length !== 1 || parent === undefined) return undefined;
  const previous = input.previous?.[node.name];
  const current = input.inputs[node.name];
  if (!previous || current?.kind !== 'built' || previous.ownInputs !== ownInputsKey(current)) return undefined;
  if (previous.fingerprint === input.fingerprints[node.name]) return undefined;
  const state = parentState(parent);
  const onto = state.image ? baseIdentity(state.image) : undefined;
  // A version bump alone, on the same base, is a rebuild the team asked for, not a rebase.
  if (!makesImage(state.action) && onto === previous.base) return undefined;
  const from = baseIdentity(previous.image);
  if (!from) return undefined;
  return { reason: { kind: 'rebase', parent, from, ...(onto && !makesImage(state.action) ? { onto } : {}) }, rebase: { parent, from: previous } };
}
