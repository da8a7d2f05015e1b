/** The no-secrets check: credentials in ARG and ENV, secret args in RUN history, secret files in the context. Pure. */
import path from 'node:path';
import { isSecretArg } from '../core/model.js';
import { at, instructions, type Check, type Finding, type NodeFacts } from './check-types.js';

/** Values that look like credentials, whatever their name. */
const SECRET_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bxox[abpr]-[A-Za-z0-9-]{10,}|\bglpat-[A-Za-z0-9_-]{20}/;
/** A URL with a literal user:password (`https://user:pass@host`, `postgres://u:p@db`); a $VARIABLE password is an arg's business. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:(?!\$)[^\s/@'"]+@/i;
const credentialIn = (text: string): string | undefined => (URL_CREDENTIALS.test(text) ? 'a URL with a user and password' : SECRET_VALUE.test(text) ? 'what looks like a credential' : undefined);

/** Files that are private keys or environment files. */
const SECRET_FILE = /^(id_(rsa|dsa|ecdsa|ed25519)|.*\.(key|p12|pfx|jks|keystore)|\.env(\..+)?|\.npmrc|\.netrc)$/;

/**
 * Under the classic builder every RUN after `ARG <name>` in a stage records the arg's value in
 * the image history (`|1 TOKEN=... /bin/sh -c ...`), whether the command reads it or not: the
 * first such RUN of each secret arg is a finding, at its line.
 */
function secretsInRunHistory(facts: NodeFacts, declared: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const all = instructions(facts);
  const firstFrom = all.findIndex((i) => i.keyword === 'FROM');
  all.forEach((arg, index) => {
    if (arg.keyword !== 'ARG' || index < firstFrom) return; // an ARG before the first FROM only reaches FROM lines
    for (const p of (arg.properties ?? []).filter((q) => isSecretArg(q.name, declared))) {
      const run = all.slice(index + 1).find((i) => i.stage === arg.stage && i.keyword === 'RUN');
      if (!run) continue;
      out.push({
        message: `RUN runs with the secret build arg ${p.name} in scope (ARG at line ${arg.line}): the classic builder records its value in the image history`,
        hint: `use the value only at run time (an environment variable or a mounted file), or move ARG ${p.name} after the last RUN of the stage; BuildKit secret mounts keep it out of the image`,
        location: at(facts, run),
      });
    }
  });
  return out;
}

export const noSecrets: Check = {
    params: [],
    run(facts) {
      const out: Finding[] = [];
      const declared = facts.node.kind === 'built' ? facts.node.secretArgs : [];
      out.push(...secretsInRunHistory(facts, declared));
      for (const i of [...instructions(facts, 'ARG'), ...instructions(facts, 'ENV')]) {
        for (const p of i.properties ?? []) {
          if (isSecretArg(p.name, declared)) out.push({ message: `${i.keyword} ${p.name} ${declared.includes(p.name) ? 'is declared secret (secretArgs)' : 'looks like a credential'}`, hint: 'pass secrets as BuildKit secrets or at run time: ARG and ENV values stay in the image', location: at(facts, i) });
          else if (p.value && credentialIn(p.value)) out.push({ message: `${i.keyword} ${p.name} holds ${credentialIn(p.value)}`, hint: 'remove it and rotate it', location: at(facts, i) });
        }
      }
      // A RUN line is recorded in the image history as written.
      for (const i of instructions(facts, 'RUN')) {
        const what = credentialIn(i.args);
        if (what) out.push({ message: `RUN holds ${what}: the image history records the command as written`, hint: 'remove it and rotate it; pass credentials at run time, or as a BuildKit secret', location: at(facts, i) });
      }
      for (const f of facts.files ?? []) {
        if (SECRET_FILE.test(path.posix.basename(f.path))) {
          const contextDir = path.dirname(facts.dockerfile?.file ?? '');
          out.push({ message: `${f.path} is sent to the engine and looks like a private key or an environment file`, hint: 'keep it out of the context (.dockerignore) and out of the repository', location: { file: path.join(contextDir, f.path) } });
        }
      }
      return out;
    },
  };
