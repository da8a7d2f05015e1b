/** What the executor reports. It never writes to the console: reporters observe these events. */

/** held: not built because a parent's new version needs its team's consent (not a failure) */
export type NodeStatus = 'built' | 'up-to-date' | 'failed' | 'blocked' | 'cancelled' | 'held';

export interface NodeResult {
  name: string;
  owner: string;
  status: NodeStatus;
  imageId?: string;
  /** the manifest digest the registry returned, when pushed (repo@sha256:...) */
  digest?: string;
  /** the image's tags: its fingerprint tag, and its human tags once promoted */
  tags: string[];
  durationMs: number;
  /** the node's build and test log, when it was built or tried */
  log?: string;
  /** the first line of the error, for failed nodes; a failed build step starts with its Dockerfile's file:line */
  error?: string;
  /** a failed build: the step it stopped at (its Dockerfile line, when known) and that step's last lines of output */
  failedStep?: { file?: string; line?: number; instruction: string; output: string[] };
  /** a stable code for failures chain itself decides (E_PARENT_NOT_CURRENT, E_BASE_MISSING) */
  code?: string;
  /**
   * another runner published an image under this node's fingerprint first: this run adopted it
   * (imageId and digest are that image's) instead of publishing a second one
   */
  adopted?: true;
  /** made by rebase (no step run): the earlier image its own layers come from */
  rebasedFrom?: string;
  /** the failed ancestor, for blocked nodes */
  blockedBy?: string;
  /** why, for held nodes */
  held?: string;
  /** the version tag this build moved from the image it was released as to new content */
  versionMoved?: string;
}

export type BuildEvent =
  | { type: 'queued'; node: string }
  | { type: 'started'; node: string }
  /** the build step or test the node is at now, for live views */
  | { type: 'step'; node: string; step: string }
  | { type: 'log'; node: string; line: string }
  | { type: 'tested'; node: string; passed: number }
  | { type: 'succeeded' | 'up-to-date' | 'failed' | 'blocked' | 'cancelled' | 'held'; node: string; result: NodeResult };

export interface BuildObserver {
  onEvent(event: BuildEvent): void;
}

export interface BuildSummary {
  chain: string;
  buildId: string;
  nodes: NodeResult[];
  counts: Record<NodeStatus, number>;
  durationMs: number;
  /** false under --atomic when a node did not succeed: no human tag moved */
  promoted: boolean;
  interrupted: boolean;
  /** the engine went away during the run */
  engineLost: boolean;
  /** the state folder could not be written (a full disk): the run stopped, nothing half-done is current */
  stateUnwritable: boolean;
  /** a push or pull failed: the registry was down or refused the credentials */
  registryFailed: boolean;
}

export function countStatuses(results: NodeResult[]): Record<NodeStatus, number> {
  const counts: Record<NodeStatus, number> = { built: 0, 'up-to-date': 0, failed: 0, blocked: 0, cancelled: 0, held: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** The event that reports a finished node. */
export function finishedEvent(result: NodeResult): BuildEvent {
  const type = result.status === 'built' ? 'succeeded' : result.status;
  return { type, node: result.name, result };
}
