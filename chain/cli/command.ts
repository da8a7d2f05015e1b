/**
 * What a command is: it takes the parsed command line and the dependencies the composition root
 * made, and returns data and an exit code. It never prints its result: cli/main.ts renders the
 * data as text (the command's render) or JSON, and prints it.
 */
import path from 'node:path';
import { fail, type ExitCode } from '../core/errors.js';
import { hintWith } from '../core/suggest.js';
import type { Builder } from '../core/model.js';
import { findChainFile } from '../config/find.js';
import type { AppDeps } from '../app/deps.js';
import type { Options } from './options.js';

/** The terminal, for commands that show progress while they run. */
export interface Terminal {
  /** a line on stderr */
  err: (text: string) => void;
  /** raw text on stderr (a live view redraws itself) */
  write: (text: string) => void;
  /** stderr is a terminal that can redraw (and NO_COLOR/CI are not set) */
  live: boolean;
  columns: () => number;
}

export interface CommandContext {
  /** the positional arguments after the command's name */
  args: string[];
  opts: Options;
  deps: AppDeps;
  terminal: Terminal;
}

export interface Outcome<T> {
  data: T;
  /** 0 unless said */
  exitCode?: ExitCode;
}

export interface View {
  cwd: string;
  opts: Options;
}

export interface Command<T> {
  run(ctx: CommandContext): Promise<Outcome<T>>;
  /** the data for people */
  render(data: T, view: View): string;
  /** what --json prints, when it is not the data itself */
  json?(data: T): unknown;
}

/** chain.yaml: --file, else found in the current folder or above. */
export function chainFile(ctx: CommandContext): string {
  return ctx.opts.file ? path.resolve(ctx.deps.cwd, ctx.opts.file) : findChainFile(ctx.deps.cwd);
}

/** A whole number from 1 to `max` (a value past what a timer or a queue can hold is refused, not wrapped around). */
export function positiveInt(value: string | undefined, fallback: number, option: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    fail('E_USAGE', `--${option} takes a whole number from 1${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not '${value}'`, { hint: `e.g. --${option} ${fallback}` });
  }
  return n;
}

/** --builder: classic or buildkit; unset when not given (chain.yaml decides). */
export function builderOption(value: string | undefined): { builder?: Builder } {
  if (value === undefined) return {};
  if (value !== 'classic' && value !== 'buildkit') fail('E_USAGE', `--builder takes classic or buildkit, not '${value}'`, { hint: 'e.g. --builder buildkit' });
  return { builder: value };
}

/** The one positional a command needs, or a usage error naming what to give. */
export function nodeArg(ctx: CommandContext, nodes: Record<string, unknown>, what = 'a node'): string {
  const name = ctx.args[0];
  if (name !== undefined && Object.hasOwn(nodes, name)) return name;
  const names = Object.keys(nodes).sort();
  const all = `nodes: ${names.join(', ')}`;
  return fail('E_UNKNOWN_NODE', name === undefined ? `name ${what}` : `no node named '${name}'`, { hint: name === undefined ? all : hintWith(name, names, all) });
}
