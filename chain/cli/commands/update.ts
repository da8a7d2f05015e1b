/**
 * `chain update [node...] [--check]`: resolves each external image reference and team repository
 * again and rewrites the pins in chain.lock that moved; `chain plan` then shows `base-moved`
 * downstream. `--check` only reports drift, and exits 1 when something moved.
 */
import { ExitCode, fail } from '../../core/errors.js';
import type { SourceSpec } from '../../core/model.js';
import { hintWith } from '../../core/suggest.js';
import { openChain } from '../../app/open.js';
import { LOCK_FILE, writeLock } from '../../adapters/pins.js';
import { fetchSources } from '../../adapters/sources.js';
import { resolvePins, type Drift } from '../../world/pins.js';
import { chainFile, type Command } from '../command.js';
import { table } from '../render/table.js';

export interface UpdateResult {
  check: boolean;
  drift: Drift[];
}

export const command: Command<UpdateResult> = {
  async run(ctx) {
    const file = chainFile(ctx);
    const { config, ...loaded } = await openChain(file);
    const pinned = Object.values(config.nodes).filter((n) => n.kind === 'external' || n.source).map((n) => n.name);
    for (const t of ctx.args) if (!pinned.includes(t)) fail('E_UNKNOWN_NODE', `'${t}' is neither an external node nor one with a team repository`, { hint: hintWith(t, pinned, `pinned nodes: ${pinned.join(', ')}`) });
    const engine = await ctx.deps.engine();
    await engine.ping();
    const { lock, previous, drift } = await resolvePins({ config, ...loaded }, { engine, registry: ctx.deps.registry }, ctx.args);
    const check = ctx.opts.check ?? false;
    if (!check && (drift.some((d) => d.moved) || !previous)) {
      writeLock(config.root, lock);
      // Check out the newly pinned commits of the team repositories.
      const specs: Record<string, SourceSpec> = {};
      for (const n of Object.values(config.nodes)) if (n.kind === 'built' && n.source) specs[n.name] = n.source;
      await fetchSources(config.root, file, specs, lock);
    }
    return { data: { check, drift }, exitCode: check && drift.some((d) => d.moved) ? ExitCode.failed : ExitCode.ok };
  },
  render({ check, drift }) {
    const moved = drift.filter((d) => d.moved).length;
    const short = (d: string | undefined) => (d ? d.replace(/^.*sha256:/, '').slice(0, 12) : 'none');
    const rows = table([['NODE', 'IMAGE', 'PINNED', 'NOW', ''], ...drift.map((d) => [d.node, d.image, short(d.from), short(d.to), d.moved ? 'moved' : ''])]);
    const s = moved === 1 ? '' : 's';
    return `${rows}\n${moved === 0 ? '\nEvery pin is current.' : check ? `\n${moved} pin${s} moved (not written: --check).` : `\n${moved} pin${s} updated in ${LOCK_FILE}; chain plan shows what must rebuild.`}`;
  },
};
