/**
 * `chain keys generate`: a signing key pair whose private half git never sees. The pair goes to
 * keys/ (or --out); inside a git work tree the private key must be ignored, so a .gitignore
 * beside it ignores *.key (written or extended, and said) before the key exists. Nothing is ever
 * overwritten.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { generateKeys } from '../adapters/keys.js';
import type { AppDeps } from './deps.js';

export const DEFAULT_KEY_DIR = 'keys';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  keyid: string;
  /** how git keeps the private key out: 'ignored' (already), a .gitignore written or extended, or 'no-git' */
  git: { kind: 'ignored' } | { kind: 'gitignore'; file: string; created: boolean } | { kind: 'no-git' };
}

export async function generateSigningKeys(deps: AppDeps, dir: string, name: string): Promise<KeyPair> {
  const privateFile = path.join(dir, `${name}.key`);
  for (const file of [privateFile, path.join(dir, `${name}.pub`)]) {
    if (existsSync(file)) fail('E_KEY_EXISTS', `${file} already exists`, { hint: 'choose another --name or folder; chain never overwrites a key' });
  }
  const repo = deps.git(nearestFolder(dir));
  const ignored = await repo.ignores(privateFile);
  let git: KeyPair['git'] = ignored === undefined ? { kind: 'no-git' } : { kind: 'ignored' };
  if (ignored === false) {
    const gitignore = path.join(dir, '.gitignore');
    const before = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : undefined;
    const made = existsSync(dir) ? undefined : mkdirSync(dir, { recursive: true });
    const lines = '# private signing keys never enter git (chain keys generate)\n*.key\n';
    if (before === undefined) writeFileSync(gitignore, lines, { flag: 'wx' });
    else appendFileSync(gitignore, `${before.endsWith('\n') || before === '' ? '' : '\n'}${lines}`);
    if ((await repo.ignores(privateFile)) !== true) {
      // Left as found: the .gitignore as it was, and no folder made for nothing.
      if (before === undefined) rmSync(gitignore, { force: true });
      else writeFileSync(gitignore, before);
      if (made) rmSync(made, { recursive: true, force: true });
      fail('E_KEY_NOT_IGNORED', `git would track ${privateFile} even with *.key in ${gitignore}: git already tracks a file of that name`, {
        hint: 'a key of that name was committed once: remove it from git (git rm --cached) and make a new key pair with another --name; a private key must never be committed',
      });
    }
    git = { kind: 'gitignore', file: gitignore, created: before === undefined };
  }
  return { ...generateKeys(dir, name), git };
}

/** The folder itself, or its nearest ancestor that exists (git needs a folder to run in). */
function nearestFolder(dir: string): string {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}
