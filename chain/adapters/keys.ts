/** Ed25519 signing keys as PEM files: a PKCS#8 private key (mode 0600) and an SPKI public key. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChainError, fail, type Location } from '../core/errors.js';
import { readRegularFile } from './files.js';
import { keyId } from '../provenance/dsse.js';

export function generateKeys(dir: string, name: string): { privateKey: string; publicKey: string; keyid: string } {
  const privateFile = path.join(dir, `${name}.key`);
  const publicFile = path.join(dir, `${name}.pub`);
  for (const file of [privateFile, publicFile]) {
    if (existsSync(file)) fail('E_KEY_EXISTS', `${file} already exists`, { hint: 'choose another --name or folder; chain never overwrites a key' });
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dir, { recursive: true });
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: privateFile, publicKey: publicFile, keyid: keyId(publicKey) };
}

function readKey(file: string, kind: 'private' | 'public', location?: Location): KeyObject {
  let pem: string;
  try {
    // A FIFO or a device (--sign-key /dev/stdin) is refused, never read.
    pem = readRegularFile(file, location).toString('utf8');
  } catch (err) {
    if (err instanceof ChainError) throw err;
    return fail('E_KEY_READ', `cannot read ${kind} key ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { hint: 'make one with chain keys generate', ...(location ? { location } : {}) });
  }
  if (kind === 'public' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    return fail('E_KEY_PRIVATE', `${file} holds a private key, where a public key is wanted`, { hint: 'name the .pub file chain keys generate wrote beside it; a private key stays out of the repository', ...(location ? { location } : {}) });
  }
  try {
    const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    return fail('E_KEY_INVALID', `${file} is not an Ed25519 ${kind} key in PEM (${(err as Error).message.split('\n')[0]})`, { hint: 'make one with chain keys generate', ...(location ? { location } : {}) });
  }
}

export const readPrivateKey = (file: string) => readKey(file, 'private');
export const readPublicKey = (file: string, location?: Location) => readKey(file, 'public', location);
