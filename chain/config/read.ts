/**
 * Phase 1 of loading: chain.yaml read and parsed once, checked against its schema, and its team
 * repositories named. Nothing is resolved yet: the team sources are fetched between the phases
 * (by the caller, through an adapter), then phase 2 (resolve.ts) builds the checked chain.
 */
import path from 'node:path';
import { ChainError, type Problem } from '../core/errors.js';
import type { Builder, SecretSource, SourceSpec } from '../core/model.js';
import { readTextFile } from './files.js';
import { validateAgainst } from './schema.js';
import { YamlSource } from './yaml-source.js';

// The shape the schema guarantees once validation passed.
export interface RawNode {
  tier: string;
  owner: string;
  path?: string;
  image?: string;
  source?: SourceSpec;
  from?: string | string[];
  dockerfile?: string;
  version?: string | number;
  args?: Record<string, string | number | boolean>;
  test?: string | string[];
  secretArgs?: string[];
  testLimits?: { memory?: string | number; pids?: number; cpus?: number };
  builder?: Builder;
  secrets?: Record<string, SecretSource>;
  rebase?: boolean;
  rebaseFallback?: 'fail' | 'rebuild';
  description?: string;
  deprecated?: string;
}

export interface RawChain {
  version: 1;
  name: string;
  teams: Record<string, { members: string[]; contact?: string; handle?: string; signingKeys?: Record<string, string> }>;
  tiers?: string[];
  concurrency?: Record<string, number>;
  admins?: string[];
  trustedKeys?: string[];
  registry?: string;
  immutableVersions?: boolean;
  requireSignedCommits?: boolean;
  builder?: Builder;
  nodes: Record<string, RawNode>;
}

/** chain.yaml as read: its data, its positions for messages, and the team repositories it names. */
export interface ChainSpec {
  /** absolute path of chain.yaml */
  file: string;
  /** the folder holding it */
  root: string;
  source: YamlSource;
  raw: RawChain;
  /** node -> the team repository its context comes from */
  sources: Record<string, SourceSpec>;
}

/** A regular file's UTF-8 text; `code` for one that cannot be read (E_NOT_A_FILE, E_NOT_UTF8 otherwise). */
export function readText(file: string, code: string, what: string): string {
  return readTextFile(file, { code, what });
}

/** readText, its problems collected instead of thrown (undefined when the file could not be read). */
export function readTextInto(file: string, code: string, what: string, problems: Problem[]): string | undefined {
  try {
    return readText(file, code, what);
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

export function readChain(file: string): ChainSpec {
  const chainFile = path.resolve(file);
  const source = new YamlSource(chainFile, readText(chainFile, 'E_NO_CHAIN', 'chain file'));
  if (source.problems.length > 0) throw new ChainError(source.problems);
  const data = source.toJS();
  const schemaProblems = validateAgainst('chain', data, source);
  if (schemaProblems.length > 0) throw new ChainError(schemaProblems);
  const raw = data as RawChain;
  const sources: Record<string, SourceSpec> = {};
  for (const [name, node] of Object.entries(raw.nodes)) if (node.source) sources[name] = node.source;
  return { file: chainFile, root: path.dirname(chainFile), source, raw, sources };
}

/**
 * chain.yaml's data from a text (an older version read from git), for comparing two versions;
 * undefined when it does not parse. Not checked: history may hold any content.
 */
export function parseChainText(text: string | undefined, file = 'chain.yaml'): unknown {
  if (text === undefined) return undefined;
  const source = new YamlSource(file, text);
  return source.problems.length > 0 ? undefined : source.toJS();
}
