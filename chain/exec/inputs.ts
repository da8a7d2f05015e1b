/**
 * What the executor reads about the chain: only the data it needs, taken from the world read
 * before planning, so that exec depends on no reader of the world and on no command.
 */
import type { NodeDockerfile } from '../config/node.js';
import type { ContextSnapshot } from '../adapters/context.js';
import type { ChainGraph } from '../core/graph.js';
import type { NodeInputs } from '../core/inputs.js';
import type { ChainConfig } from '../core/model.js';

export interface ExecInputs {
  config: ChainConfig;
  dockerfiles: Record<string, NodeDockerfile>;
  graph: ChainGraph;
  snapshots: Record<string, ContextSnapshot>;
  inputs: Record<string, NodeInputs>;
  fingerprints: Record<string, string>;
  /** the commit HEAD is at, when the chain is in git */
  gitHead?: string;
}
