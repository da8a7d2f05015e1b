/** `chain keys generate [--out <folder>] [--name <name>]`: an Ed25519 key pair for signing provenance. */
import path from 'node:path';
import { fail } from '../../core/errors.js';
import { generateKeys } from '../../adapters/keys.js';
import type { Command } from '../command.js';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  keyid: string;
}

export const command: Command<KeyPair> = {
  async run(ctx) {
    if (ctx.args[0] !== 'generate') fail('E_USAGE', `unknown keys action '${ctx.args[0] ?? ''}'`, { hint: 'chain keys generate [--out <folder>] [--name <name>]' });
    return { data: generateKeys(path.resolve(ctx.deps.cwd, ctx.opts.out ?? '.'), ctx.opts.name ?? 'chain-signing') };
  },
  render: (keys, view) =>
    [
      `private key: ${keys.privateKey} (mode 0600: keep it secret; chain build --sign-key ${path.relative(view.cwd, keys.privateKey)})`,
      `public key:  ${keys.publicKey} (list it under trustedKeys: in chain.yaml)`,
      `key id:      ${keys.keyid}`,
    ].join('\n'),
};
