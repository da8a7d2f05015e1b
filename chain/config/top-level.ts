/** Checks of chain.yaml's top-level keys that the schema cannot express: the registry's address, the trusted keys' files. */
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import { readRegular } from './files.js';
import type { YamlSource } from './yaml-source.js';

/** `registry: host[:port]/prefix`: a host name made of labels, and a port from 1 to 65535. */
export function checkRegistry(registry: string | undefined, source: YamlSource, problems: Problem[]): void {
  if (registry === undefined) return;
  const host = registry.split('/')[0] ?? '';
  const [name = '', port] = host.split(':');
  const labels = name.split('.');
  const label = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
  const location = source.locate(['registry']);
  if (!labels.every((l) => label.test(l))) {
    problems.push(problem('E_REGISTRY_NAME', `registry '${registry}': '${name}' is not a host name`, { hint: 'write host[:port]/prefix, e.g. registry.acme.example/acme or 127.0.0.1:5000/acme (dot-separated names of letters, digits and inner hyphens)', location }));
  }
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    problems.push(problem('E_REGISTRY_NAME', `registry '${registry}': port ${port} is not a TCP port`, { hint: 'a port is a number from 1 to 65535, e.g. 127.0.0.1:5000/acme', location }));
  }
}

/**
 * trustedKeys lists public keys. A private key there would be published with the repository and
 * would still verify (a public key derives from it): refused. A file that cannot be read is left
 * to chain verify, which needs it (E_KEY_READ); a FIFO or device is refused here.
 */
export function checkTrustedKeys(root: string, keys: readonly string[] | undefined, source: YamlSource, problems: Problem[]): void {
  (keys ?? []).forEach((key, i) => {
    const location = source.locate(['trustedKeys', i]);
    let pem: string;
    try {
      pem = readRegular(path.resolve(root, key), { code: 'E_KEY_READ', what: 'public key', location }).toString('latin1');
    } catch (err) {
      if (err instanceof ChainError && err.code === 'E_NOT_A_FILE') problems.push(...err.problems);
      return;
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      const pub = key.replace(/\.key$/, '.pub');
      problems.push(problem('E_KEY_PRIVATE', `trustedKeys names ${key}, which holds a private key`, {
        hint: `list the public key (${pub === key ? 'the .pub file chain keys generate wrote beside it' : pub}) and keep the private key out of the repository; if it was committed, make a new key pair`,
        location,
      }));
    }
  });
}
