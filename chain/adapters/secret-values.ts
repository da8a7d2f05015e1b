/**
 * The values of the nodes' BuildKit secrets, read when a build starts and held in memory only:
 * from the environment variable or the file each secret names (never from chain.yaml). A secret
 * that cannot be read stops the build before anything runs, naming the secret, never a value.
 */
import os from 'node:os';
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import type { BuiltNode, SecretSource } from '../core/model.js';
import { readRegularFile } from './files.js';

/** BuildKit's own limit on one secret's size. */
export const MAX_SECRET_BYTES = 500 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/** Where a file secret is: absolute, `~/...` (the home folder), else relative to chain.yaml's folder. */
export function secretFile(file: string, root: string, env: Env): string {
  if (file === '~' || file.startsWith('~/')) return path.join(env.HOME ?? os.homedir(), file.slice(1));
  return path.resolve(root, file);
}

function readOne(node: string, id: string, source: SecretSource, root: string, env: Env, problems: Problem[]): Buffer | undefined {
  const what = 'env' in source ? `the environment variable ${source.env}` : `the file ${source.file}`;
  const fail = (why: string, hint: string) => {
    problems.push(problem('E_SECRET_SOURCE', `node ${node}: secret '${id}' cannot be read from ${what}: ${why}`, { hint }));
    return undefined;
  };
  let value: Buffer;
  if ('env' in source) {
    const text = env[source.env];
    if (text === undefined) return fail('it is not set', `set ${source.env} in the environment chain build runs in`);
    value = Buffer.from(text, 'utf8');
  } else {
    try {
      value = readRegularFile(secretFile(source.file, root, env));
    } catch (err) {
      if (err instanceof ChainError) return fail(err.problems[0]?.message ?? 'not a regular file', 'name a regular file');
      return fail((err as NodeJS.ErrnoException).code ?? String(err), 'create the file, or name another one (absolute, ~/..., or relative to chain.yaml)');
    }
  }
  if (value.length > MAX_SECRET_BYTES) return fail(`it holds ${value.length} bytes, more than BuildKit's ${MAX_SECRET_BYTES}`, 'keep a secret under 500 KiB');
  return value;
}

/** node -> id -> value for the given nodes; every unreadable secret is reported together (exit 2). */
export function readSecretValues(nodes: readonly BuiltNode[], root: string, env: Env): Record<string, Record<string, Buffer>> {
  const problems: Problem[] = [];
  const out: Record<string, Record<string, Buffer>> = {};
  for (const node of nodes) {
    if (!node.secrets) continue;
    const values: Record<string, Buffer> = {};
    for (const [id, source] of Object.entries(node.secrets)) {
      const value = readOne(node.name, id, source, root, env, problems);
      if (value) values[id] = value;
    }
    out[node.name] = values;
  }
  if (problems.length > 0) throw new ChainError(problems);
  return out;
}
