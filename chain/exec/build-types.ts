/** What building one node takes and gives: the contract between the scheduler and a node build. */
import type { KeyObject } from 'node:crypto';
import type { LocalImage, StoredImage } from '../core/inputs.js';
import type { BuiltNode } from '../core/model.js';
import type { Plan, PlanNode } from '../core/plan.js';
import type { Engine } from '../adapters/engine.js';
import type { ProvenanceStore } from '../adapters/provenance-store.js';
import type { StateStore } from '../adapters/state.js';
import type { ExecInputs } from './inputs.js';
import type { BuildObserver } from './events.js';
import type { Publish } from './promote.js';

/** What a run needs to write provenance for the nodes it builds. */
export interface ProvenanceContext {
  store: ProvenanceStore;
  signingKey?: KeyObject;
  buildId: string;
  builder: { chain: string; engine?: string };
  /** why a node is being built, e.g. the reason of the patch cascade it belongs to */
  reasonFor?: (node: string, version: string | undefined) => string | undefined;
}

export interface NodeBuild {
  node: BuiltNode;
  provenance: ProvenanceContext;
  plan: PlanNode;
  testTimeoutMs: number;
  /** the exact image of every parent: built by this run, found, or external; in the engine, the registry, or both */
  parents: Record<string, StoredImage>;
  /** the parents as images in the local engine, pulling by digest those only the registry holds (once) */
  localParents: () => Promise<Record<string, LocalImage>>;
  inputs: ExecInputs;
  engine: Engine;
  state: StateStore;
  onLine: (line: string) => void;
  onStep: (step: string) => void;
  onTested: (passed: number) => void;
  signal?: AbortSignal;
  /** push the image to the chain's registry once its tests pass */
  publish?: Publish;
  /** BuildKit secrets of the node, id -> value: handed to the build's session, never written anywhere */
  secrets?: Readonly<Record<string, Buffer>>;
  /** gives the node's build slot back: what is left is waiting on the registry (the claim's settle), not building */
  yieldSlot?: () => void;
}

export interface NodeBuildResult {
  imageId: string;
  /** repo@sha256:... of the pushed manifest, when published */
  digest?: string;
  /** the fingerprint tag: the only tag an image has until it is promoted */
  tags: string[];
  log: string;
  /** another runner published the fingerprint first: imageId and digest are its image, adopted */
  adopted?: true;
  /** made by rebase: the earlier image its own layers come from */
  rebasedFrom?: string;
  /** in the registry only: rebased there and, with no test to run, never pulled into the engine */
  remote?: true;
}

/** Builds, tests, tags and records one node; the real one is buildNode, tests give a fake. */
export type BuildNodeFn = (build: NodeBuild) => Promise<NodeBuildResult>;

export interface ExecuteOptions {
  plan: Plan;
  inputs: ExecInputs;
  engine: Engine;
  state: StateStore;
  observer: BuildObserver;
  /** how provenance is signed and stored; its buildId names the run */
  provenance: ProvenanceContext;
  /** builds at once */
  jobs: number;
  /** builds at once per tier, where chain.yaml limits it */
  tierLimits?: Record<string, number>;
  failFast?: boolean;
  atomic?: boolean;
  testTimeoutMs?: number;
  /** push each node after its tests pass, and promote in the registry too */
  publish?: Publish;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
  /** node -> its BuildKit secrets (id -> value), read before the run starts */
  secrets?: Readonly<Record<string, Readonly<Record<string, Buffer>>>>;
  /** builds one node: buildNode unless a test gives a fake */
  buildNode?: BuildNodeFn;
}
