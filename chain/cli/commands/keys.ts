/** `chain keys generate [--out <folder>] [--name <name>]`: an Ed25519 key pair for signing provenance. */
import path from 'node:path';
import { fail } from '../../core/errors.js';
import { DEFAULT_KEY_DIR, generateSigningKeys, type KeyPair } from '../../app/keys.js';
import type { Command } from '../command.js';

export type { KeyPair } from '../../app/keys.js';

export const command: Command<KeyPair> = {
  async run(ctx) {
    if (ctx.args[0] !== 'generate') fail('E_USAGE', `unknown keys action '${ctx.args[0] ?? ''}'`, { hint: 'chain keys generate [--out <folder>] [--name <name>]' });
    return { data: await generateSigningKeys(ctx.deps, path.resolve(ctx.deps.cwd, ctx.opts.out ?? DEFAULT_KEY_DIR), ctx.opts.name ?? 'chain-signing') };
  },
  render: (keys, view) => {
    const rel = (file: string) => {
      const r = path.relative(view.cwd, file);
      return r.startsWith('..') || path.isAbsolute(r) ? file : r;
    };
    const git =
      keys.git.kind === 'ignored' ? 'git ignores it'
      : keys.git.kind === 'gitignore' ? `git ignores it: *.key ${keys.git.created ? 'is in the new' : 'was added to'} ${rel(keys.git.file)}`
      : 'not in a git repository';
    return [
      `private key: ${rel(keys.privateKey)} (mode 0600; ${git}). It must stay out of git and out of every build context: keep it on the release runner; sign with chain build --sign-key ${rel(keys.privateKey)}`,
      `public key:  ${rel(keys.publicKey)} (commit it, and list it under trustedKeys: in chain.yaml)`,
      `key id:      ${keys.keyid}`,
    ].join('\n');
  },
};
