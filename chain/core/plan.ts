/**
 * The planner: a pure function from what was read (config, inputs, fingerprints, the image
 * store, the last build records) to what must be rebuilt and why. No I/O here.
 */
import type { ChainGraph } from './graph.js';
import type { Observations, StoredImage } from './inputs.js';
import semver from 'semver';
import { onlyNamed, parentNotCurrent, satisfying, type ParentNotCurrent } from './current.js';
import { explain } from './explain.js';
import { imageRepository, type ChainConfig, type ChainNode } from './model.js';
import { makesImage, rebaseDecision, type Action, type RebasePlan } from './rebase.js';
import type { Reason } from './reasons.js';

export { satisfying } from './current.js';

/**
 * Actions (core/rebase.ts): build; rebase (its earlier image's own layers onto its base parent's
 * new image); skip; hold: it would build, but a parent's new version is outside the range it
 * accepts (or a parent is held); missing: with --only, an ancestor of the named nodes that is not
 * current (--only never builds it; its reasons say why it is not current).
 */
export type { Action, RebasePlan } from './rebase.js';
export { makesImage } from './rebase.js';

export interface PlanNode {
  name: string;
  tier: string;
  owner: string;
  kind: 'built' | 'external';
  action: Action;
  wave: number;
  /** the nodes it is built from (its edges in the graph), all of them in the plan */
  parents: string[];
  fingerprint: string;
  /** the image that satisfies the node now: found in the store, or the external image */
  image?: StoredImage;
  reasons: Reason[];
  /** a built node's version tag and where it points now (local image ID, registry manifest digest) */
  release?: Release;
  /** --only: a parent is not current, so this node cannot start (its build fails, naming the parent) */
  parentNotCurrent?: ParentNotCurrent;
  /** action rebase: the base parent and the earlier image whose own layers are kept */
  rebase?: RebasePlan;
}

export interface Release {
  /** the version tag, e.g. acme/corebuild:1.0.0 */
  tag: string;
  local?: string;
  registry?: string;
  /** the tag exists and this plan rebuilds the node: it would move to different content */
  moves: boolean;
}

export interface OwnerSummary {
  build: number;
  rebase: number;
  skip: number;
  hold: number;
}

export interface Plan {
  chain: string;
  /** false when the image store could not be reached: planned as if no image existed */
  storeReachable: boolean;
  /** --only: exactly the named nodes are built; their ancestors are only observed */
  only?: true;
  nodes: PlanNode[];
  /** node names by wave; every wave can build at once when the ones before it are done */
  waves: string[][];
  /** counts of built nodes (external ones are counted apart), and the owners with work to do */
  summary: { build: number; rebase: number; skip: number; hold: number; external: number; owners: string[]; byOwner: Record<string, OwnerSummary>; missing?: number };
}

export interface PlanInput extends Observations {
  chain: ChainConfig;
  graph: ChainGraph;
  /** nodes the user named; empty means the whole chain */
  targets: string[];
  /** nodes to rebuild even when their image exists */
  force: ReadonlySet<string>;
  /** --since: only the nodes these changes touch, their descendants, and what those need */
  since?: { ref: string; touched: ReadonlyMap<string, string[]> };
  /** --only: build exactly the named nodes (targets); never an ancestor */
  only?: boolean;
}

/**
 * The nodes a plan covers: the named ones (all, when none is named) and everything they are built
 * from; with `touched` (--since), only the touched nodes and their descendants among those, and
 * what they are built from.
 */
export function selectNodes(graph: ChainGraph, targets: string[], touched?: Iterable<string>, only = false): string[] {
  let wanted = targets.length === 0 ? [...graph.nodes] : targets;
  if (only) wanted = onlyNamed(graph, targets, touched);
  else if (touched) {
    const changed = [...touched];
    const affected = new Set([...changed, ...graph.descendants(changed)]);
    const named = new Set(targets.length === 0 ? graph.nodes : [...targets, ...graph.ancestors(targets)]);
    wanted = [...affected].filter((n) => named.has(n));
  }
  return [...new Set([...wanted, ...graph.ancestors(wanted)])].sort();
}

export function assemblePlan(input: PlanInput): Plan {
  const { chain, graph } = input;
  const touched = input.since ? [...input.since.touched.keys()] : undefined;
  const selected = selectNodes(graph, input.targets, touched, input.only);
  // --only: the named nodes are built; every other node of the plan is an ancestor, only observed.
  const named = input.only ? new Set(onlyNamed(graph, input.targets, touched)) : undefined;
  const waves = graph.waves(selected);
  const byName = new Map<string, PlanNode>();

  waves.forEach((wave, index) => {
    for (const name of wave) {
      const node = chain.nodes[name];
      if (!node) throw new Error(`plan: unknown node ${name}`);
      const fingerprint = input.fingerprints[name];
      if (fingerprint === undefined) throw new Error(`plan: no fingerprint for ${name}`);
      const image = satisfying(name, fingerprint, input);
      let action: Action = 'skip';
      let reasons: Reason[] = [];
      let missing: ParentNotCurrent | undefined;
      let rebase: RebasePlan | undefined;
      if (node.kind === 'built' && named && !named.has(name)) {
        action = image ? 'skip' : 'missing';
        reasons = image ? [] : explain(name, input, []);
      } else if (node.kind === 'built') {
        const parentsBuilding = graph.parents(name).filter((p) => makesImage(byName.get(p)?.action));
        const held = graph.parents(name).find((p) => byName.get(p)?.action === 'hold');
        if (input.force.has(name) || !image || parentsBuilding.length > 0 || held) {
          const consent = consentNeeded(node, input.chain);
          action = held || consent ? 'hold' : 'build';
          reasons = consent ? [consent] : held ? [{ kind: 'parent-held', parent: held }] : explain(name, input, parentsBuilding);
        }
        const rebased = action === 'build' ? rebaseDecision(node, input, reasons, (p) => ({ action: byName.get(p)?.action, ...(byName.get(p)?.image ? { image: byName.get(p)?.image } : {}) })) : undefined;
        if (rebased) [action, reasons, rebase] = ['rebase', [rebased.reason], rebased.rebase];
        const absent = graph.parents(name).find((p) => byName.get(p)?.action === 'missing');
        if (makesImage(action) && absent) missing = parentNotCurrent(absent, input);
      }
      byName.set(name, {
        name,
        tier: node.tier,
        owner: node.owner,
        kind: node.kind,
        action,
        wave: index,
        parents: graph.parents(name),
        fingerprint,
        ...(image && action === 'skip' ? { image } : {}),
        reasons,
        ...releaseOf(node, action, input),
        ...(missing ? { parentNotCurrent: missing } : {}),
        ...(rebase ? { rebase } : {}),
      });
    }
  });

  const nodes = waves.flat().map((n) => byName.get(n) as PlanNode);
  const byOwner: Record<string, OwnerSummary> = {};
  const built = nodes.filter((n) => n.kind === 'built');
  for (const n of built) {
    const entry = (byOwner[n.owner] ??= { build: 0, rebase: 0, skip: 0, hold: 0 });
    if (n.action !== 'missing') entry[n.action] += 1;
  }
  const count = (action: Action) => built.filter((n) => n.action === action).length;
  return {
    chain: chain.name,
    storeReachable: input.store.reachable,
    ...(input.only ? { only: true as const } : {}),
    nodes,
    waves,
    summary: {
      build: count('build'),
      rebase: count('rebase'),
      skip: count('skip'),
      hold: count('hold'),
      external: nodes.length - built.length,
      owners: Object.keys(byOwner).filter((o) => (byOwner[o]?.build ?? 0) + (byOwner[o]?.rebase ?? 0) + (byOwner[o]?.hold ?? 0) > 0).sort(),
      byOwner,
      ...(input.only ? { missing: count('missing') } : {}),
    },
  };
}

/** Where the node's version tag points now, and whether this plan would move it to other content. */
function releaseOf(node: ChainNode, action: Action, input: PlanInput): { release?: Release } {
  if (node.kind !== 'built' || node.version === undefined) return {};
  const tag = `${imageRepository(input.chain, node.name)}:${node.version}`;
  const local = input.store.local.get(tag)?.id;
  const registry = input.store.registry?.released[node.name];
  return { release: { tag, ...(local ? { local } : {}), ...(registry ? { registry } : {}), moves: makesImage(action) && (local !== undefined || registry !== undefined) } };
}

/** A parent whose version is outside the range this node accepts: the node waits for its team. */
function consentNeeded(node: ChainNode, chain: ChainConfig): Reason | undefined {
  for (const ref of node.from) {
    const parent = chain.nodes[ref.node];
    const version = parent?.kind === 'built' ? parent.version : undefined;
    if (ref.range && version && semver.validRange(ref.range) && !semver.satisfies(version, ref.range)) {
      return { kind: 'needs-consent', parent: ref.node, range: ref.range, version, owner: node.owner };
    }
  }
  return undefined;
}
