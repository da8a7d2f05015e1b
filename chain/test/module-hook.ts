/**
 * Runs the bundled CLI (dist/chain.mjs) as a user would, with a module resolve hook that records
 * every specifier the process asks for: which packages a command loads (dockerode, simple-git).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from './helpers.js';

export const BUNDLE = path.join(repoRoot, 'dist/chain.mjs');

let hookFile: string | undefined;
function hook(): string {
  if (hookFile) return hookFile;
  const resolver = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) { appendFileSync(process.env.CHAIN_LOADED, specifier + '\\n'); return next(specifier, context); }`;
  hookFile = path.join(tempDir('chain-hook-'), 'hook.mjs');
  writeFileSync(hookFile, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolver)}`)});\n`);
  return hookFile;
}

/** Runs the bundle; its exit code, output and every module specifier it resolved. */
export function runBundle(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string; loaded: string[] }> {
  const loaded = path.join(path.dirname(hook()), `loaded-${Math.random().toString(36).slice(2)}`);
  writeFileSync(loaded, '');
  const child = spawn(process.execPath, ['--import', hook(), BUNDLE, ...args], { cwd, env: { ...process.env, ...env, CHAIN_LOADED: loaded, CI: 'true' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err, loaded: readFileSync(loaded, 'utf8').split('\n').filter(Boolean) })));
}
