/**
 * chain.lock read and checked: JSON of the shape `chain update` writes, every entry a well-formed
 * pin of a node that is what the entry says (an external image, a team repository). Each problem
 * points at chain.lock:line:col. A pin of a node chain.yaml no longer declares is harmless (chain
 * update drops it) and only said; so is a pin made for another image reference.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { ChainError, fail, problem, type Problem } from '../core/errors.js';
import { LOCK_FILE, type Lockfile } from '../core/lockfile.js';
import type { ChainConfig } from '../core/model.js';
import { jsonErrorOffset, lineCol } from '../core/text.js';
import { readText, type RawChain } from './read.js';
import { YamlSource, type YamlPath } from './yaml-source.js';

/** What each node is, as far as its pins are concerned. */
export type LockNodes = Readonly<Record<string, { kind: 'external'; image: string } | { kind: 'built'; source: boolean }>>;

export const lockNodes = (config: ChainConfig): LockNodes =>
  Object.fromEntries(Object.values(config.nodes).map((n) => [n.name, n.kind === 'external' ? { kind: 'external', image: n.image } : { kind: 'built', source: n.source !== undefined }]));

export const rawLockNodes = (raw: RawChain): LockNodes =>
  Object.fromEntries(Object.entries(raw.nodes).map(([name, n]) => [name, n.image !== undefined ? { kind: 'external', image: n.image } : { kind: 'built', source: n.source !== undefined }]));

const HINT = 'restore chain.lock from git, or delete it and run chain update, which writes it again';
const DIGEST = { 'image-id': /^sha256:[0-9a-f]{64}$/, manifest: /^[^\s@]+@sha256:[0-9a-f]{64}$/ } as const;
const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/** chain.lock beside chain.yaml, checked; undefined when there is none. `notes` receives what is accepted but worth saying. */
export function readLock(root: string, nodes: LockNodes, notes: string[] = []): Lockfile | undefined {
  const file = path.join(root, LOCK_FILE);
  if (!lstatSync(file, { throwIfNoEntry: false })) return undefined;
  const text = readText(file, 'E_LOCK_INVALID', 'the lock file');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const { line, col } = lineCol(text, jsonErrorOffset(text));
    return fail('E_LOCK_INVALID', `${LOCK_FILE} is not valid JSON (${(err as Error).message.replace(/ in JSON at position \d+$/, '').replace(/, ".*" is not valid JSON$/, '')})`, { hint: HINT, location: { file, line, col } });
  }
  const source = new YamlSource(file, text);
  const problems: Problem[] = source.problems.filter((p) => p.code === 'E_DUPLICATE_KEY');
  const bad = (at: YamlPath, message: string, of: 'key' | 'value' = 'value', hint = HINT) => problems.push(problem('E_LOCK_INVALID', message, { hint, location: source.locate(at, of) }));
  if (!isObject(data)) {
    bad([], `${LOCK_FILE} holds ${describe(data)}, not {"lockfileVersion": 1, "externals": {...}}`);
    throw new ChainError(problems);
  }
  unknownKeys(data, [], ['lockfileVersion', 'externals', 'sources'], bad);
  if (data.lockfileVersion !== 1) bad(data.lockfileVersion === undefined ? [] : ['lockfileVersion'], `lockfileVersion is ${describe(data.lockfileVersion)}: this chain reads version 1`);
  if (!isObject(data.externals)) bad(data.externals === undefined ? [] : ['externals'], `externals is ${describe(data.externals)}, not an object of pins`);
  else for (const [name, pin] of Object.entries(data.externals)) checkPin(name, pin, nodes, bad, notes);
  if (data.sources !== undefined && !isObject(data.sources)) bad(['sources'], `sources is ${describe(data.sources)}, not an object of pins`);
  else for (const [name, pin] of Object.entries(data.sources ?? {})) checkSourcePin(name, pin, nodes, bad, notes);
  if (problems.length > 0) throw new ChainError(problems);
  return data as unknown as Lockfile;
}

type Bad = (at: YamlPath, message: string, of?: 'key' | 'value', hint?: string) => void;

function checkPin(name: string, pin: unknown, nodes: LockNodes, bad: Bad, notes: string[]): void {
  const at = ['externals', name];
  if (!isObject(pin)) return bad(at, `the pin of ${name} is ${describe(pin)}, not {"image", "digest", "kind"}`);
  unknownKeys(pin, at, ['image', 'digest', 'kind'], bad);
  if (typeof pin.image !== 'string' || pin.image === '') bad(pin.image === undefined ? at : [...at, 'image'], `the pin of ${name} ${has('image', pin.image)}, not an image reference`);
  if (pin.kind !== 'manifest' && pin.kind !== 'image-id') bad(pin.kind === undefined ? at : [...at, 'kind'], `the pin of ${name} ${has('kind', pin.kind)}, not "manifest" or "image-id"`);
  else if (typeof pin.digest !== 'string' || !DIGEST[pin.kind].test(pin.digest)) {
    bad(pin.digest === undefined ? at : [...at, 'digest'], `the pin of ${name} ${has('digest', pin.digest)}, not ${pin.kind === 'manifest' ? 'repository@sha256:<64 hex>' : 'sha256:<64 hex>'}`);
  }
  const node = nodes[name];
  if (!node) notes.push(`note: ${LOCK_FILE} pins '${name}', which chain.yaml does not declare: chain update drops the pin`);
  else if (node.kind !== 'external') bad(at, `${LOCK_FILE} pins ${name} as an external image, but ${name} is built here`, 'key', `remove the entry: only external nodes (image:) have pins; chain update writes them`);
  else if (typeof pin.image === 'string' && pin.image !== node.image) notes.push(`note: ${LOCK_FILE} pins ${name} as ${pin.image}, but chain.yaml names ${node.image}: the pin is not used (chain update pins the new reference)`);
}

function checkSourcePin(name: string, pin: unknown, nodes: LockNodes, bad: Bad, notes: string[]): void {
  const at = ['sources', name];
  if (!isObject(pin)) return bad(at, `the source pin of ${name} is ${describe(pin)}, not {"git", "ref", "commit"}`);
  unknownKeys(pin, at, ['git', 'ref', 'commit'], bad);
  for (const key of ['git', 'ref'] as const) if (typeof pin[key] !== 'string' || pin[key] === '') bad(pin[key] === undefined ? at : [...at, key], `the source pin of ${name} ${has(key, pin[key])}, not a non-empty string`);
  if (typeof pin.commit !== 'string' || !COMMIT.test(pin.commit)) bad(pin.commit === undefined ? at : [...at, 'commit'], `the source pin of ${name} ${has('commit', pin.commit)}, not a full commit hash`);
  const node = nodes[name];
  if (!node) notes.push(`note: ${LOCK_FILE} pins the repository of '${name}', which chain.yaml does not declare: chain update drops the pin`);
  else if (node.kind !== 'built' || !node.source) bad(at, `${LOCK_FILE} pins a team repository for ${name}, which is not built from one (source:)`, 'key', 'remove the entry: only nodes with source: have repository pins; chain update writes them');
}

function unknownKeys(value: Record<string, unknown>, at: string[], allowed: string[], bad: Bad): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) bad([...at, key], `unknown key '${key}' in ${at.length > 0 ? at.join('.') : LOCK_FILE}`, 'key', `allowed keys: ${allowed.join(', ')}`);
}

const has = (key: string, v: unknown) => (v === undefined ? `has no ${key}` : `has ${key} ${describe(v)}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const shown = JSON.stringify(v);
  return shown.length > 40 ? `${shown.slice(0, 40)}...` : shown;
}
