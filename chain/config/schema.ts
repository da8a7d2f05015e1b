/**
 * JSON Schema validation of chain.yaml and layer.yaml against the published schemas in
 * schemas/, with each error turned into a problem that points at the offending key or value.
 * The validators are compiled from those schemas at build time (scripts/compile-schemas.mjs):
 * compiling them with Ajv at every start cost more than validating a 1,000-node chain.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { problem, type Problem } from '../core/errors.js';
import { hintWith } from '../core/suggest.js';
import { yamlQuoted } from './yaml-hints.js';
import type { YamlSource } from './yaml-source.js';

const validators = createRequire(import.meta.url)(validatorsFile()) as Record<'chain' | 'layer' | 'policy', ValidateFunction>;

/**
 * dist/schemas/validators.cjs, found from wherever this code runs: compiled (dist/chain/config/)
 * or bundled (dist/chain.mjs and its chunks): the nearest folder above holding schemas/validators.cjs.
 */
function validatorsFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'schemas', 'validators.cjs');
    if (existsSync(file) || path.dirname(dir) === dir) return file;
    dir = path.dirname(dir);
  }
}

export function validateAgainst(kind: 'chain' | 'layer' | 'policy', data: unknown, source: YamlSource): Problem[] {
  return schemaErrors(kind, data, source).map((e) => e.problem);
}

/** A schema problem with the path of the value it is about (the key itself, for a bad or unknown key). */
export interface SchemaError {
  problem: Problem;
  path: (string | number)[];
  keyword: string;
}

export function schemaErrors(kind: 'chain' | 'layer' | 'policy', data: unknown, source: YamlSource): SchemaError[] {
  const validate = validators[kind];
  if (validate(data)) return [];
  // `path`/`image` exclusivity is reported by the loader in one clear sentence instead.
  const errors = (validate.errors ?? []).filter((e) => !e.schemaPath.includes('/oneOf'));
  // A value that is none of the shapes anyOf allows is one problem, not one per shape tried.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const underAnyOf = (e: ErrorObject) => e.schemaPath.includes('/anyOf/') && anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
  return errors
    .filter((e) => e.keyword !== 'propertyNames' && !underAnyOf(e))
    .map((e) => {
      const path = pathOf(e.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const key = e.propertyName ?? (e.keyword === 'additionalProperties' ? String((e.params as Record<string, unknown>).additionalProperty) : undefined);
      return { problem: toProblem(e, source, errors), path: key !== undefined ? [...path, key] : path, keyword: e.keyword };
    });
}

function pathOf(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function toProblem(e: ErrorObject, source: YamlSource, all: ErrorObject[]): Problem {
  const path: (string | number)[] = pathOf(e.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const where = path.length > 0 ? path.join('.') : 'the top level';
  const params = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) {
    const [code, hint] = NAME_RULES[String(path[0])] ?? ['E_KEY_NAME', 'build arg names are letters, digits and _'];
    return problem(code, `'${e.propertyName}' in ${where} is not a valid name`, { hint, location: source.locate([...path, e.propertyName], 'key') });
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      return problem('E_UNKNOWN_KEY', `unknown key '${key}' in ${where}`, {
        hint: allowed.length > 0 ? hintWith(key, allowed, `allowed keys: ${allowed.join(', ')}`) : 'remove it',
        location: source.locate([...path, key], 'key'),
      });
    }
    case 'required':
      return problem('E_MISSING_KEY', `${where} is missing the required key '${String(params.missingProperty)}'`, {
        hint: 'add the key',
        location: source.locate(path, 'key'),
      });
    case 'pattern':
      return patternProblem(path, where, source);
    case 'const':
      return problem('E_SCHEMA', `${where} must be ${JSON.stringify(params.allowedValue)}`, { hint: 'this tool reads format version 1', location: source.locate(path) });
    case 'anyOf':
      return anyOfProblem(path, where, source, all.filter((x) => x.instancePath.startsWith(`${e.instancePath}/`)));
    default:
      return builderOrSecretProblem(e, path, where, source) ?? problem('E_SCHEMA', `${where} ${e.message ?? 'is invalid'}`, { hint: 'see schemas/ for the expected shape', location: source.locate(path) });
  }
}

/** A builder that is none, or a secret given as a value instead of where its value is. */
function builderOrSecretProblem(e: ErrorObject, path: (string | number)[], where: string, source: YamlSource): Problem | undefined {
  if (e.keyword === 'enum' && path.at(-1) === 'builder') {
    return problem('E_BUILDER', `${where} '${String(source.valueAt(path))}' is not a builder`, { hint: 'builder: classic (the default) or builder: buildkit', location: source.locate(path) });
  }
  if (path.at(-2) === 'secrets' && ['type', 'minProperties', 'maxProperties'].includes(e.keyword)) {
    return problem('E_SECRET_SOURCE', `${where} must say where the secret's value comes from (one of env, file), never hold the value itself`, {
      hint: `e.g. ${String(path.at(-1))}: { env: NPM_TOKEN } or ${String(path.at(-1))}: { file: ~/.npmrc }`,
      location: source.locate(path),
    });
  }
  return undefined;
}

/**
 * A value that is none of the shapes its key allows (a string or a list of them): what to write
 * depends on the key. A test command that YAML read as a mapping (`- echo hello: world`) is told
 * to quote it, at the entry itself.
 */
function anyOfProblem(path: (string | number)[], where: string, source: YamlSource, inner: ErrorObject[]): Problem {
  const key = path.filter((p): p is string => typeof p === 'string').at(-1);
  const value = source.valueAt(path);
  const items = Array.isArray(value) ? value : [value];
  const mapped = items.findIndex((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
  const itemPath = Array.isArray(value) && mapped >= 0 ? [...path, mapped] : inner[0] ? pathOf(inner[0].instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : path;
  const location = source.locate(itemPath);
  if (key === 'from') return problem('E_SCHEMA', `${where} must be a parent node or a list of them`, { hint: 'e.g. from: corebuild@^1, or from: [httpd@^2, runtime@^1]', location });
  if (key === 'test') {
    const entry = mapped >= 0 ? items[mapped] : undefined;
    const text = entry ? Object.entries(entry as Record<string, unknown>).map(([k, v]) => `${k}: ${v === null ? '' : String(v)}`)[0] : undefined;
    return problem('E_SCHEMA', `${where} must be a command or a list of commands${text ? `, but YAML read '${text}' as a key and its value` : ''}`, {
      hint: text ? `a command holding ': ' must be quoted: - ${yamlQuoted(text)}` : 'e.g. test: ["wget -qO- http://localhost:8080/"]',
      location,
    });
  }
  return problem('E_SCHEMA', `${where} must be a string or a list of strings`, { hint: `e.g. ${key ?? 'key'}: a, or ${key ?? 'key'}: [a, b]`, location });
}

/** Keys that name things: the code of a bad name, and what a good one looks like. */
const NAME_RULES: Record<string, [string, string]> = {
  nodes: ['E_NODE_NAME', 'node names become image names: lowercase letters, digits, and . _ - between them'],
  teams: ['E_TEAM_NAME', 'team names are letters, digits, and . _ - after the first character'],
};

/** A value that does not match its pattern: what is wrong depends on which key holds it. */
function patternProblem(path: (string | number)[], where: string, source: YamlSource): Problem {
  const value = JSON.stringify(String(source.valueAt(path)));
  const location = source.locate(path);
  if (path[0] === 'teams' && path[2] === 'handle') {
    return problem('E_TEAM_HANDLE', `${where} ${value} is not a code-host handle`, { hint: 'one handle such as @acme/ops (letters, digits, . _ - and / between names; no spaces)', location });
  }
  if (path[0] === 'teams' && path[2] === 'members') {
    return problem('E_TEAM_MEMBER', `${where} ${value} is not an email address or a handle`, { hint: 'one member per entry: an email address as git records authors (ops@acme.example) or @user; no spaces', location });
  }
  if (path[0] === 'nodes' && path[2] === 'path') {
    return problem('E_PATH', `${where} ${value} contains control characters`, { hint: 'name a folder without newlines or other control characters', location });
  }
  return problem(path.length === 1 && path[0] === 'name' ? 'E_CHAIN_NAME' : 'E_SCHEMA', `${where} '${String(source.valueAt(path))}' is not a valid name`, {
    hint: 'use lowercase letters and digits, with . _ - between them (it becomes part of image names)',
    location,
  });
}
