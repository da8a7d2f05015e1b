/**
 * The commands. Each returns data and an exit code; main.ts prints and exits. Nothing here
 * writes to the console except through the `out`/`err` writers it is given.
 */
import path from 'node:path';
import { ExitCode, fail } from '../core/errors.js';
import { chainGraph } from '../core/graph.js';
import { assemblePlan, type Plan } from '../core/plan.js';
import { findChainFile, loadChain, type LoadedChain } from '../config/load.js';
import { DockerEngine } from '../adapters/docker.js';
import { StateStore } from '../adapters/state.js';
import { executePlan } from '../exec/run.js';
import { readWorld, startGitRead, type World } from '../world/read.js';
import type { BuildSummary } from '../exec/events.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from './render/graph.js';
import { renderPlan } from './render/plan.js';
import { renderBuildSummary } from './render/build.js';
import { displayLocation } from './render/problems.js';
import { plainReporter } from './reporter.js';

export interface Io {
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  engine?: DockerEngine;
}

export interface Options {
  file?: string;
  json?: boolean;
  force?: boolean;
  verbose?: boolean;
  format?: string;
}

export interface Command {
  summary: string;
  usage: string;
  run(args: string[], opts: Options, io: Io): Promise<ExitCode>;
}

function chainFile(opts: Options, io: Io): string {
  return opts.file ? path.resolve(io.cwd, opts.file) : findChainFile(io.cwd);
}

function load(opts: Options, io: Io): LoadedChain {
  return loadChain(chainFile(opts, io));
}

function checkTargets(loaded: LoadedChain, targets: string[]): void {
  for (const t of targets) {
    if (!loaded.config.nodes[t]) {
      fail('E_UNKNOWN_NODE', `no node named '${t}' in ${loaded.config.file}`, { hint: `nodes: ${Object.keys(loaded.config.nodes).sort().join(', ')}` });
    }
  }
}

/** Reads the chain and the world, and plans: the common first half of plan and build. */
export async function planChain(targets: string[], opts: Options, io: Io): Promise<{ plan: Plan; world: World; engine: DockerEngine; state: StateStore }> {
  const file = chainFile(opts, io);
  const gitRead = startGitRead(path.dirname(file)); // runs while the chain loads
  const loaded = loadChain(file);
  checkTargets(loaded, targets);
  const engine = io.engine ?? new DockerEngine();
  const state = new StateStore(loaded.config.root);
  const world = await readWorld(loaded, targets, { engine, state }, gitRead);
  const force = new Set(opts.force ? (targets.length > 0 ? targets : Object.keys(loaded.config.nodes)) : []);
  const plan = assemblePlan({ chain: loaded.config, targets, force, ...world });
  return { plan, world, engine, state };
}

export const commands: Record<string, Command> = {
  plan: {
    summary: 'what must be rebuilt and why, by wave and by owner',
    usage: 'chain plan [node...] [--json] [--force] [--file <chain.yaml>]',
    async run(args, opts, io) {
      const { plan, world } = await planChain(args, opts, io);
      if (world.storeProblem && !opts.json) io.err(`note: ${world.storeProblem}`);
      io.out(opts.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
      return ExitCode.ok;
    },
  },
  build: {
    summary: 'build what the plan says, in topological order, and tag what succeeded',
    usage: 'chain build [node...] [--json] [--force] [--verbose] [--file <chain.yaml>]',
    async run(args, opts, io) {
      const { plan, world, engine, state } = await planChain(args, opts, io);
      if (!world.storeReachable) await engine.ping(); // throws the one clear engine error
      const summary: BuildSummary = await executePlan({ plan, world, engine, state, observer: plainReporter(io.err, opts.verbose) });
      const shown = (p: string) => displayLocation({ file: p }, io.cwd);
      io.out(opts.json ? JSON.stringify(summary, null, 2) : renderBuildSummary(summary, shown));
      return summary.counts.failed + summary.counts.blocked > 0 ? ExitCode.failed : ExitCode.ok;
    },
  },
  graph: {
    summary: 'the graph by tier with owners (text, dot, mermaid or json)',
    usage: 'chain graph [--format text|dot|mermaid|json] [--file <chain.yaml>]',
    async run(_args, opts, io) {
      const format = (opts.format ?? (opts.json ? 'json' : 'text')) as GraphFormat;
      if (!GRAPH_FORMATS.includes(format)) fail('E_USAGE', `unknown graph format '${format}'`, { hint: `formats: ${GRAPH_FORMATS.join(', ')}` });
      const { config } = load(opts, io);
      io.out(renderGraph(config, chainGraph(config), format));
      return ExitCode.ok;
    },
  },
};
