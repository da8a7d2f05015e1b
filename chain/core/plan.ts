/**
 * The planner: a pure function from what was read (config, inputs, fingerprints, the image
 * store, the last build records) to what must be rebuilt and why. No I/O here.
 */
import type { ChainGraph } from './graph.js';
import type { Observations, StoredImage } from './inputs.js';
import semver from 'semver';
import { fingerprintTag, imageRepository, recordableArgs, type ChainConfig, type ChainNode } from './model.js';
import type { Reason } from './reasons.js';

/** hold: it would build, but a parent's new version is outside the range it accepts (or a parent is held). */
export type Action = 'build' | 'skip' | 'hold';

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
  skip: number;
  hold: number;
}

export interface Plan {
  chain: string;
  /** false when the image store could not be reached: planned as if no image existed */
  storeReachable: boolean;
  nodes: PlanNode[];
  /** node names by wave; every wave can build at once when the ones before it are done */
  waves: string[][];
  /** counts of built nodes (external ones are counted apart), and the owners with work to do */
  summary: { build: number; skip: number; hold: number; external: number; owners: string[]; byOwner: Record<string, OwnerSummary> };
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
}

/**
 * The nodes a plan covers: the named ones (all, when none is named) and everything they are built
 * from; with `touched` (--since), only the touched nodes and their descendants among those, and
 * what they are built from.
 */
export function selectNodes(graph: ChainGraph, targets: string[], touched?: Iterable<string>): string[] {
  let wanted = targets.length === 0 ? [...graph.nodes] : targets;
  if (touched) {
    const changed = [...touched];
    const affected = new Set([...changed, ...graph.descendants(changed)]);
    const named = new Set(targets.length === 0 ? graph.nodes : [...targets, ...graph.ancestors(targets)]);
    wanted = [...affected].filter((n) => named.has(n));
  }
  return [...new Set([...wanted, ...graph.ancestors(wanted)])].sort();
}

export function assemblePlan(input: PlanInput): Plan {
  const { chain, graph } = input;
  const selected = selectNodes(graph, input.targets, input.since ? input.since.touched.keys() : undefined);
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
      if (node.kind === 'built') {
        const parentsBuilding = graph.parents(name).filter((p) => byName.get(p)?.action === 'build');
        const held = graph.parents(name).find((p) => byName.get(p)?.action === 'hold');
        if (input.force.has(name) || !image || parentsBuilding.length > 0 || held) {
          const consent = consentNeeded(node, input.chain);
          action = held || consent ? 'hold' : 'build';
          reasons = consent ? [consent] : held ? [{ kind: 'parent-held', parent: held }] : explain(name, input, parentsBuilding);
        }
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
      });
    }
  });

  const nodes = waves.flat().map((n) => byName.get(n) as PlanNode);
  const byOwner: Record<string, OwnerSummary> = {};
  const built = nodes.filter((n) => n.kind === 'built');
  for (const n of built) {
    const entry = (byOwner[n.owner] ??= { build: 0, skip: 0, hold: 0 });
    entry[n.action] += 1;
  }
  const build = built.filter((n) => n.action === 'build').length;
  const hold = built.filter((n) => n.action === 'hold').length;
  return {
    chain: chain.name,
    storeReachable: input.store.reachable,
    nodes,
    waves,
    summary: {
      build,
      skip: built.length - build - hold,
      hold,
      external: nodes.length - built.length,
      owners: Object.keys(byOwner).filter((o) => (byOwner[o]?.build ?? 0) + (byOwner[o]?.hold ?? 0) > 0).sort(),
      byOwner,
    },
  };
}

/**
 * The image that satisfies a node now: an external node's pinned or resolved image; for a built
 * node, an image tagged with its fingerprint tag whose label carries the whole fingerprint (the
 * tag holds only 12 hex digits) and whose custody is recorded (no current image without it).
 * With a registry, the registry decides, so that a runner with an empty engine plans the same;
 * the local image, when it matches too, spares a pull.
 */
export function satisfying(name: string, fingerprint: string, input: Pick<PlanInput, 'chain' | 'externals' | 'store'>): StoredImage | undefined {
  const found = observedImage(name, fingerprint, input);
  return found?.attested ? found.image : undefined;
}

/** The image under the node's fingerprint, whether or not its custody is recorded. */
function observedImage(name: string, fingerprint: string, input: Pick<PlanInput, 'chain' | 'externals' | 'store'>): { image: StoredImage; attested: boolean } | undefined {
  const external = input.chain.nodes[name]?.kind === 'external' ? input.externals[name] : undefined;
  if (external) return { image: external, attested: true };
  const tagged = input.store.local.get(`${imageRepository(input.chain, name)}:${fingerprintTag(fingerprint)}`);
  const local = tagged?.fingerprint === fingerprint ? tagged : undefined;
  if (!input.store.registry) return local ? { image: { id: local.id }, attested: local.attested ?? false } : undefined;
  const remote = input.store.registry.tagged[name];
  if (remote?.fingerprint !== fingerprint) return undefined;
  return { image: { ...(local ? { id: local.id } : {}), digest: remote.digest }, attested: remote.attested };
}

/** Where the node's version tag points now, and whether this plan would move it to other content. */
function releaseOf(node: ChainNode, action: Action, input: PlanInput): { release?: Release } {
  if (node.kind !== 'built' || node.version === undefined) return {};
  const tag = `${imageRepository(input.chain, node.name)}:${node.version}`;
  const local = input.store.local.get(tag)?.id;
  const registry = input.store.registry?.released[node.name];
  return { release: { tag, ...(local ? { local } : {}), ...(registry ? { registry } : {}), moves: action === 'build' && (local !== undefined || registry !== undefined) } };
}

/** Where images are looked for, in words: the registry when there is one. */
function storeName(input: Pick<PlanInput, 'store'>): string {
  return input.store.registry ? `the registry ${input.store.registry.name}` : 'the local engine';
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

/** Why a built node must be rebuilt, from its last record and its current inputs. */
function explain(name: string, input: PlanInput, parentsBuilding: string[]): Reason[] {
  const reasons: Reason[] = [];
  if (input.force.has(name)) reasons.push({ kind: 'forced' });
  const changed = input.since?.touched.get(name);
  if (input.since && changed) reasons.push({ kind: 'changed-since', ref: input.since.ref, paths: changed });
  const current = input.inputs[name];
  const record = input.records[name];
  if (!current || current.kind !== 'built') return reasons;
  // Its image is there but nothing proves what it was built from: only that is missing.
  if (!input.force.has(name) && parentsBuilding.length === 0 && observedImage(name, input.fingerprints[name] as string, input)) {
    return [...reasons, { kind: 'unattested', store: storeName(input) }];
  }
  if (!record) {
    reasons.push({ kind: 'never-built' });
    return reasons;
  }

  const files = diffKeys(record.files, current.files);
  if (files.paths.length > 0) reasons.push({ kind: 'files-changed', ...files });
  // Secret args are not in records (their values must never be kept), so they cannot be compared.
  const node = input.chain.nodes[name];
  const args = diffKeys(record.args, recordableArgs(current.args, node?.kind === 'built' ? node.secretArgs : [])).paths;
  if (args.length > 0) reasons.push({ kind: 'args-changed', args });
  if (record.version !== current.version) {
    reasons.push({ kind: 'version-changed', ...(record.version ? { from: record.version } : {}), ...(current.version ? { to: current.version } : {}) });
  }
  for (const parent of input.graph.parents(name)) {
    const was = record.parents[parent];
    const parentInputs = input.inputs[parent];
    if (parentInputs?.kind === 'external') {
      if (was?.fingerprint !== input.fingerprints[parent]) {
        reasons.push({ kind: 'base-moved', parent, ...(was ? { from: was.image } : {}), ...(parentInputs.digest ? { to: parentInputs.digest } : {}) });
      }
    } else if (parentsBuilding.includes(parent) || was?.fingerprint !== input.fingerprints[parent]) {
      reasons.push({ kind: 'parent-rebuilt', parent });
    }
  }
  if (reasons.length === 0) reasons.push({ kind: 'image-missing', store: storeName(input) });
  return reasons;
}

function diffKeys(before: Record<string, string>, after: Record<string, string>) {
  const added = Object.keys(after).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in after));
  const modified = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
  return { paths: [...added, ...removed, ...modified].sort(), added: added.sort(), removed: removed.sort(), modified: modified.sort() };
}
