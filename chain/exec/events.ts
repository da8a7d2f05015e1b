/** What the executor reports. It never writes to the console: reporters observe these events. */

export type NodeStatus = 'built' | 'up-to-date' | 'failed' | 'blocked' | 'cancelled';

export interface NodeResult {
  name: string;
  owner: string;
  status: NodeStatus;
  imageId?: string;
  tags: string[];
  durationMs: number;
  /** the node's build log, when it was built or tried */
  log?: string;
  /** the first line of the error, for failed nodes */
  error?: string;
  /** the failed ancestor, for blocked nodes */
  blockedBy?: string;
}

export type BuildEvent =
  | { type: 'queued'; node: string }
  | { type: 'started'; node: string }
  | { type: 'log'; node: string; line: string }
  | { type: 'finished'; node: string; result: NodeResult };

export interface BuildObserver {
  onEvent(event: BuildEvent): void;
}

export interface BuildSummary {
  chain: string;
  nodes: NodeResult[];
  counts: Record<NodeStatus, number>;
  durationMs: number;
}

export function countStatuses(results: NodeResult[]): Record<NodeStatus, number> {
  const counts: Record<NodeStatus, number> = { built: 0, 'up-to-date': 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}
