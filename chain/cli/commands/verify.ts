/** `chain verify <node | image reference>`: checks the chain of custody down to the base. */
import { ExitCode } from '../../core/errors.js';
import { readPublicKey } from '../../adapters/keys.js';
import { verifyLineage, type VerifyResult } from '../../provenance/verify.js';
import type { Command } from '../command.js';
import { table } from '../render/table.js';
import { imageOf, openCustody } from './custody.js';

export interface Verified extends VerifyResult {
  /** the image verified */
  image: string;
  trustedKeys: number;
}

export const command: Command<Verified> = {
  async run(ctx) {
    const c = await openCustody(ctx);
    const { config } = c.loaded;
    const trusted = config.trustedKeys.map((file) => readPublicKey(file, c.loaded.source.locate(['trustedKeys'])));
    const target = await imageOf(c, ctx.args[0]);
    const result = await verifyLineage(
      target.ref,
      { recordFor: (id) => c.store.bySubject(id), inspect: (ref) => c.engine.inspect(ref), trusted, ownerOf: (node) => config.nodes[node]?.owner },
      target.node,
    );
    return { data: { ...result, image: target.ref, trustedKeys: trusted.length }, exitCode: result.ok ? ExitCode.ok : ExitCode.failed };
  },
  render,
  json: ({ image: _image, trustedKeys: _keys, ...result }) => result,
};

function render(result: Verified): string {
  const rows = [['NODE', 'OWNER', 'DIGEST', 'BUILDER', 'BUILT', 'COMMIT', 'SIGNED BY']];
  for (const l of result.links) {
    rows.push([l.node, l.owner, l.digest.slice(7, 19), l.external ? '(external)' : (l.builder ?? ''), l.builtAt ?? '', l.commit?.slice(0, 12) ?? '', l.keyid?.slice(0, 16) ?? '']);
  }
  const lines = [`Chain of custody of ${result.image}, from the image down to its base:`, '', table(rows), ''];
  if (result.ok) {
    lines.push(`verified: ${result.links.length} links, each signed by a trusted key, about its very image, and built on the parents it names`);
  } else {
    const b = result.broken;
    lines.push(`BROKEN at ${b?.node ?? 'the image'} (${b?.image.slice(0, 19)}): ${b?.reason}`);
    if (result.trustedKeys === 0) lines.push('hint: chain.yaml lists no trustedKeys, so no signature can be trusted');
  }
  return lines.join('\n');
}
