/** What `provenance`, `verify` and `why` share: the opened chain and where custody is read from. */
import type { LoadedChain } from '../../config/resolve.js';
import { openChain } from '../../app/open.js';
import { CustodyStore } from '../../app/custody.js';
import { ProvenanceStore } from '../../adapters/provenance-store.js';
import { chainFile, type CommandContext } from '../command.js';

export interface Custody {
  loaded: LoadedChain;
  custody: CustodyStore;
}

export async function openCustody(ctx: CommandContext): Promise<Custody> {
  const loaded = await openChain(chainFile(ctx));
  return { loaded, custody: new CustodyStore(await ctx.deps.engine(), new ProvenanceStore(loaded.config.root), ctx.deps.registry) };
}
