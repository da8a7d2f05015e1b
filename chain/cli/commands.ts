/**
 * The commands. Each returns data and an exit code; main.ts prints and exits. Nothing here
 * writes to the console except through the `out`/`err` writers it is given.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ExitCode, fail } from '../core/errors.js';
import { chainGraph } from '../core/graph.js';
import { assemblePlan, type Plan } from '../core/plan.js';
import { findChainFile, loadChain, type LoadedChain } from '../config/load.js';
import { DockerEngine } from '../adapters/docker.js';
import { STATE_DIR, StateStore } from '../adapters/state.js';
import { acquireBuildLock } from '../adapters/lock.js';
import { newBuildId } from '../exec/promote.js';
import { Labels } from '../core/model.js';
import { executePlan } from '../exec/run.js';
import { readWorld, startGitRead, type World } from '../world/read.js';
import type { BuildSummary } from '../exec/events.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from './render/graph.js';
import { renderPlan } from './render/plan.js';
import { renderBuildSummary } from './render/build.js';
import { displayLocation } from './render/problems.js';
import { liveReporter } from './reporters/live.js';
import { plainReporter } from './reporters/plain.js';

export interface Io {
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** progress output goes to a terminal that can redraw (and NO_COLOR/CI are not set) */
  live?: boolean;
  columns?: () => number;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
  engine?: DockerEngine;
}

export interface Options {
  file?: string;
  json?: boolean;
  force?: boolean;
  verbose?: boolean;
  format?: string;
  jobs?: string;
  'fail-fast'?: boolean;
  atomic?: boolean;
  'no-wait'?: boolean;
  'test-timeout'?: string;
}

/** Builds at once by default: builds wait on the engine as much as they compute. */
export const DEFAULT_JOBS = Math.max(2, 2 * availableParallelism());

function positiveInt(value: string | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail('E_USAGE', `--${option} takes a whole number of at least 1, not '${value}'`, { hint: `e.g. --${option} ${fallback}` });
  return n;
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
export async function planChain(targets: string[], opts: Options, io: Io, file = chainFile(opts, io)): Promise<{ plan: Plan; world: World; engine: DockerEngine; state: StateStore }> {
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
    summary: 'build what the plan says, in parallel, test each image, promote what succeeded',
    usage: 'chain build [node...] [--json] [--jobs N] [--fail-fast] [--atomic] [--no-wait] [--test-timeout S] [--force] [--verbose] [--file <chain.yaml>]',
    async run(args, opts, io) {
      const jobs = positiveInt(opts.jobs, DEFAULT_JOBS, 'jobs');
      const testTimeoutMs = positiveInt(opts['test-timeout'], 120, 'test-timeout') * 1000;
      const file = chainFile(opts, io);
      const release = await acquireBuildLock(path.join(path.dirname(file), STATE_DIR), {
        noWait: opts['no-wait'] ?? false,
        onWait: (holder) => io.err(`waiting for another chain build on this chain to finish (${holder ? `pid ${holder.pid} on ${holder.host}` : 'holder unknown'})...`),
      });
      try {
        const { plan, world, engine, state } = await planChain(args, opts, io, file);
        if (!world.storeReachable) await engine.ping(); // throws the one clear engine error
        // Test containers of a run that was killed: this run holds the lock, so no one else owns them.
        await engine.removeContainers([`${Labels.chain}=${plan.chain}`, Labels.test]);
        const total = plan.nodes.filter((n) => n.kind === 'built').length;
        const reporter = io.live && !opts.verbose ? liveReporter((t) => process.stderr.write(t), { total, columns: io.columns ?? (() => 80) }) : plainReporter(io.err, { verbose: opts.verbose ?? false });
        let summary: BuildSummary;
        try {
          summary = await executePlan({
            plan,
            world,
            engine,
            state,
            observer: reporter,
            buildId: newBuildId(),
            jobs,
            tierLimits: world.loaded.config.concurrency,
            failFast: opts['fail-fast'] ?? false,
            atomic: opts.atomic ?? false,
            testTimeoutMs,
            ...(io.signal ? { signal: io.signal } : {}),
          });
        } finally {
          reporter.close();
        }
        const shown = (p: string) => displayLocation({ file: p }, io.cwd);
        io.out(opts.json ? JSON.stringify(summary, null, 2) : renderBuildSummary(summary, shown));
        if (summary.interrupted) return ExitCode.interrupted;
        if (summary.engineLost) return ExitCode.environment;
        return summary.counts.failed + summary.counts.blocked + summary.counts.cancelled > 0 ? ExitCode.failed : ExitCode.ok;
      } finally {
        await release();
      }
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
