/**
 * What reading the contexts found that the person should hear about once per run (a FIFO sent as
 * such, a socket skipped, .git left out) and what stops the run: a private key a context would
 * send to the engine.
 */
import path from 'node:path';
import { ChainError, problem } from '../core/errors.js';
import type { ContextSnapshot } from '../adapters/context.js';
import type { World } from '../world/read.js';

/** One line per node whose context holds something that is not a plain file, folder or symlink, or that is never sent. */
export function contextNotes(world: World): string[] {
  const notes: string[] = [];
  for (const [name, snapshot] of Object.entries(world.snapshots)) {
    const node = world.loaded.config.nodes[name];
    const fromRepository = node?.kind === 'built' && node.source !== undefined;
    const parts = describe(snapshot, fromRepository);
    if (parts.length > 0) notes.push(`note: the build context of ${name}: ${parts.join('; ')}`);
  }
  return notes;
}

function describe(snapshot: ContextSnapshot, fromRepository: boolean): string[] {
  const list = (paths: string[]) => paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
  const parts: string[] = [];
  const fifos = snapshot.specials.filter((s) => s.kind === 'fifo').map((s) => s.path);
  const devices = snapshot.specials.filter((s) => s.kind !== 'fifo').map((s) => s.path);
  const sockets = snapshot.skipped.filter((s) => s.why === 'socket').map((s) => s.path);
  // A team repository's checkout always has its own .git: leaving it out is not news.
  const never = snapshot.skipped.filter((s) => (s.why === 'git' && !(fromRepository && s.path === '.git')) || s.why === 'state').map((s) => s.path);
  if (fifos.length > 0) parts.push(`${list(fifos)} ${fifos.length === 1 ? 'is a FIFO' : 'are FIFOs'}, sent as an empty FIFO as the docker CLI sends it (never read)`);
  if (devices.length > 0) parts.push(`${list(devices)} ${devices.length === 1 ? 'is a device' : 'are devices'}, sent as an empty device entry as the docker CLI sends it (never read)`);
  if (sockets.length > 0) parts.push(`${list(sockets)} ${sockets.length === 1 ? 'is a socket' : 'are sockets'}, not sent (a tar cannot hold one; the docker CLI skips it too)`);
  if (never.length > 0) parts.push(`${list(never)} never ${never.length === 1 ? 'enters' : 'enter'} a build context (git's and chain's own state), whatever .dockerignore says`);
  return parts;
}

/** E_CONTEXT_KEY: private keys are never sent to the engine, whatever policies say. */
export function refusePrivateKeys(world: World): void {
  const { config } = world.loaded;
  const problems = Object.entries(world.snapshots).flatMap(([name, snapshot]) => {
    const node = config.nodes[name];
    if (node?.kind !== 'built') return [];
    return snapshot.privateKeys.map((key) =>
      problem('E_CONTEXT_KEY', `${key} would be sent to the engine in the build context of ${name}: it is named like a private key`, {
        hint: `keep private keys out of build contexts: list ${key} in ${path.join(node.path, '.dockerignore')}, or move it out of the folder (chain keys generate keeps keys git-ignored under keys/)`,
        location: { file: path.join(config.root, node.path, key) },
      }),
    );
  });
  if (problems.length > 0) throw new ChainError(problems);
}
