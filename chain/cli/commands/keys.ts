/** `chain keys generate [--out <folder>] [--name <name>]`: an Ed25519 key pair for signing provenance. */
import path from 'node:path';
import { ExitCode, fail } from '../../core/errors.js';
import { generateKeys } from '../../adapters/keys.js';
import type { Run } from '../command.js';

export const run: Run = async (args, opts, io) => {
  if (args[0] !== 'generate') fail('E_USAGE', `unknown keys action '${args[0] ?? ''}'`, { hint: 'chain keys generate [--out <folder>] [--name <name>]' });
  const keys = generateKeys(path.resolve(io.cwd, opts.out ?? '.'), opts.name ?? 'chain-signing');
  io.out(
    opts.json
      ? JSON.stringify(keys, null, 2)
      : [
          `private key: ${keys.privateKey} (mode 0600: keep it secret; chain build --sign-key ${path.relative(io.cwd, keys.privateKey)})`,
          `public key:  ${keys.publicKey} (list it under trustedKeys: in chain.yaml)`,
          `key id:      ${keys.keyid}`,
        ].join('\n'),
  );
  return ExitCode.ok;
};
