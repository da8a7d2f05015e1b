/**
 * `chain update [node...] [--check] [--json]`: resolves each external image reference again and
 * rewrites the pins in chain.lock that moved; `chain plan` then shows `base-moved` downstream.
 * `--check` only reports drift, and exits 1 when something moved.
 */
import { ExitCode, fail } from '../../core/errors.js';
import { DockerEngine } from '../../adapters/docker.js';
import { LOCK_FILE, writeLock } from '../../adapters/pins.js';
import { dockerCredentials, registryClients } from '../../adapters/registry.js';
import { StateStore } from '../../adapters/state.js';
import { ensureSources } from '../../adapters/sources.js';
import { resolvePins } from '../../world/pins.js';
import { openChain, type Run } from '../command.js';
import { table } from '../render/table.js';

export const run: Run = async (args, opts, io) => {
  const { file, loaded } = await openChain(opts, io);
  const { config } = loaded;
  const pinned = Object.values(config.nodes).filter((n) => n.kind === 'external' || n.source).map((n) => n.name);
  for (const t of args) if (!pinned.includes(t)) fail('E_UNKNOWN_NODE', `'${t}' is neither an external node nor one with a team repository`, { hint: `pinned nodes: ${pinned.join(', ')}` });
  const engine = io.engine ?? new DockerEngine();
  await engine.ping();
  const { lock, previous, drift } = await resolvePins(loaded, { engine, state: new StateStore(config.root), registry: registryClients((host) => dockerCredentials(host, process.env)) }, args);
  const moved = drift.filter((d) => d.moved);
  if (!opts.check && (moved.length > 0 || !previous)) {
    writeLock(config.root, lock);
    await ensureSources(file); // check out the newly pinned commits
  }
  if (opts.json) io.out(JSON.stringify({ check: opts.check ?? false, drift }, null, 2));
  else {
    const short = (d: string | undefined) => (d ? d.replace(/^.*sha256:/, '').slice(0, 12) : 'none');
    io.out(table([['NODE', 'IMAGE', 'PINNED', 'NOW', ''], ...drift.map((d) => [d.node, d.image, short(d.from), short(d.to), d.moved ? 'moved' : ''])]));
    io.out(moved.length === 0 ? '\nEvery pin is current.' : opts.check ? `\n${moved.length} pin${moved.length === 1 ? '' : 's'} moved (not written: --check).` : `\n${moved.length} pin${moved.length === 1 ? '' : 's'} updated in ${LOCK_FILE}; chain plan shows what must rebuild.`);
  }
  return opts.check && moved.length > 0 ? ExitCode.failed : ExitCode.ok;
};
