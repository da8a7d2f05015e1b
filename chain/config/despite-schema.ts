/**
 * chain.yaml that fails its schema is refused, but its graph can often still be checked, so that
 * one run reports everything (a typo in one node's keys does not hide an unknown parent in
 * another). The file is read again, the parts the schema refused are set aside (an unknown key is
 * dropped; a node or team with any other problem is left out of the check), and what remains is
 * resolved as usual. Only used on the error path; never the data a command runs on.
 */
import path from 'node:path';
import { ChainError, type Problem } from '../core/errors.js';
import { readText, type ChainSpec, type RawChain } from './read.js';
import { resolveChain } from './resolve.js';
import { schemaErrors } from './schema.js';
import { YamlSource } from './yaml-source.js';

/** The top-level keys a check can do without. */
const OPTIONAL = new Set(['tiers', 'concurrency', 'admins', 'trustedKeys', 'registry', 'immutableVersions', 'requireSignedCommits', 'builder']);

/** The graph's problems in a chain.yaml whose schema problems are already reported; none when it cannot be checked. */
export function graphProblemsDespiteSchema(file: string): Problem[] {
  try {
    const checkable = checkableSpec(file);
    if (!checkable) return [];
    try {
      resolveChain(checkable.spec);
      return [];
    } catch (err) {
      if (!(err instanceof ChainError)) return [];
      return err.problems.filter((p) => !aboutSetAside(p, checkable.setAside));
    }
  } catch {
    return []; // whatever went wrong here, the schema problems stand on their own
  }
}

function checkableSpec(file: string): { spec: ChainSpec; setAside: Set<string> } | undefined {
  const source = new YamlSource(file, readText(file, 'E_NO_CHAIN', 'chain file'));
  if (source.problems.length > 0) return undefined;
  const data = structuredClone(source.toJS()) as Record<string, unknown>;
  if (!isMap(data) || !isMap(data.nodes) || !isMap(data.teams)) return undefined;
  const nodes = data.nodes;
  const teams = data.teams;
  const setAside = new Set<string>();
  for (const { path: at, keyword } of schemaErrors('chain', data, source)) {
    const [top, name] = at;
    if (keyword === 'additionalProperties') removeAt(data, at);
    else if (top === 'nodes' && typeof name === 'string') setAside.add(name);
    else if (top === 'teams' && typeof name === 'string') teams[name] = { members: [] };
    else if (at.length === 1 && typeof top === 'string' && OPTIONAL.has(top)) delete data[top];
    else if (!(at.length === 1 && top === 'name' && typeof data.name === 'string')) return undefined;
  }
  for (const name of setAside) delete nodes[name];
  // Team repositories are not fetched on this path: their nodes are left out too.
  for (const [name, node] of Object.entries(nodes)) if (isMap(node) && node.source !== undefined) setAside.add(name);
  if (schemaErrors('chain', data, source).some((e) => !(e.path.length === 1 && e.path[0] === 'name'))) return undefined;
  const raw = data as unknown as RawChain;
  return { spec: { file, root: path.dirname(file), source, raw, sources: {} }, setAside };
}

/** A problem that only says a set-aside node is missing: it is declared, just not checkable. */
function aboutSetAside(p: Problem, setAside: Set<string>): boolean {
  if (p.code === 'E_SOURCE_NOT_FETCHED') return true;
  if (p.code !== 'E_UNKNOWN_PARENT' && p.code !== 'E_FROM_UNDECLARED') return false;
  return [...setAside].some((n) => p.message.includes(`parent '${n}' is not a node`) || p.message.includes(`FROM ${n} names`) || p.message.includes(`--from ${n} names`));
}

function removeAt(data: Record<string, unknown>, at: (string | number)[]): void {
  let parent: unknown = data;
  for (const key of at.slice(0, -1)) parent = isMap(parent) || Array.isArray(parent) ? (parent as Record<string | number, unknown>)[key] : undefined;
  if (isMap(parent)) delete parent[String(at.at(-1))];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
