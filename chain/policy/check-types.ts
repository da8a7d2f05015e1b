/** What a check reads about one node and what it returns; helpers every check uses. */
import type { Location } from '../core/errors.js';
import type { ChainGraph } from '../core/graph.js';
import type { ChainConfig, ChainNode } from '../core/model.js';
import type { Instruction } from '../core/dockerfile.js';
import type { NodeDockerfile } from '../config/node.js';

export interface NodeFacts {
  node: ChainNode;
  dockerfile?: NodeDockerfile;
  /** files sent to the engine, relative to the context, with their sizes */
  files?: { path: string; size: number }[];
  /** symlinks in the context and where they point */
  symlinks?: { path: string; target: string }[];
  /** when an external image was created (RFC 3339), if the engine knows it */
  created?: string;
}

export interface CheckContext {
  config: ChainConfig;
  graph: ChainGraph;
  today: Date;
  /** where a node's key is set in chain.yaml */
  locate: (node: string, key?: string) => Location;
  /** every built node's Dockerfile, for checks that follow a node's parents (the user it inherits) */
  dockerfiles?: Record<string, NodeDockerfile>;
}

export interface Finding {
  message: string;
  hint: string;
  location: Location;
}

export interface Check {
  params: string[];
  run(facts: NodeFacts, params: Record<string, unknown>, ctx: CheckContext): Finding[];
}

export const at = (facts: NodeFacts, i: Instruction): Location => ({ file: facts.dockerfile?.file ?? '', line: i.line, col: i.col });
export const instructions = (facts: NodeFacts, keyword?: string) => (facts.dockerfile?.info.instructions ?? []).filter((i) => !keyword || i.keyword === keyword);

