/** `chain verify <node | image reference>`: checks the chain of custody down to the base. */
import { ExitCode } from '../../core/errors.js';
import { readPublicKey } from '../../adapters/keys.js';
import { verifyLineage, type VerifyResult } from '../../provenance/verify.js';
import type { Command } from '../command.js';
import { table } from '../render/table.js';
import { targetOf, type CustodyStore } from '../../app/custody.js';
import { lockNodes, readLock } from '../../config/lock.js';
import type { Pin } from '../../core/lockfile.js';
import { openCustody } from './custody.js';

export interface Verified extends VerifyResult {
  /** the image verified */
  image: string;
  trustedKeys: number;
  /** for an external node: what its pin says, instead of a chain of signed links */
  pinned?: string;
}

export const command: Command<Verified> = {
  async run(ctx) {
    const { loaded, custody } = await openCustody(ctx);
    const { config } = loaded;
    const trusted = config.trustedKeys.map((file) => readPublicKey(file, loaded.source.locate(['trustedKeys'])));
    const target = await targetOf(ctx.deps, loaded, custody, ctx.args[0]);
    const external = target.node !== undefined ? config.nodes[target.node] : undefined;
    if (external?.kind === 'external') {
      const checked = await checkPin(external.name, external.owner, external.image, readLock(config.root, lockNodes(config))?.externals[external.name], custody);
      return { data: { ...checked, image: external.image, trustedKeys: trusted.length }, exitCode: checked.ok ? ExitCode.ok : ExitCode.failed };
    }
    const result = await verifyLineage(
      target.ref,
      { recordFor: (image) => custody.recordFor(image), inspect: (ref) => custody.inspect(ref), trusted, ownerOf: (node) => config.nodes[node]?.owner },
      target.node,
    );
    return { data: { ...result, image: target.ref, trustedKeys: trusted.length }, exitCode: result.ok ? ExitCode.ok : ExitCode.failed };
  },
  render,
  json: ({ image: _image, trustedKeys: _keys, ...result }) => result,
};

/**
 * An external node has no signed record: it is bought. What holds it is its pin in chain.lock,
 * which builds use: the pinned image must be here (engine or registry), and its tag should still
 * point to it (else chain update would move the pin).
 */
async function checkPin(node: string, owner: string, image: string, pin: Pin | undefined, custody: CustodyStore): Promise<VerifyResult & { pinned?: string }> {
  const broken = (reason: string, at = image): VerifyResult => ({ ok: false, links: [], broken: { node, image: at, reason } });
  if (!pin || pin.image !== image) return broken(`${image} is not pinned in chain.lock`);
  const pinned = await custody.inspect(pin.digest);
  if (!pinned) return broken(`the image chain.lock pins (${pin.digest}) is in neither the engine nor its registry`, pin.digest);
  const link = { node, owner, digest: pinned.id, external: true };
  const now = await custody.inspect(image);
  if (now && now.id !== pinned.id) return { ok: false, links: [link], broken: { node, image: now.id, reason: `${image} now points to ${now.id.slice(0, 19)}, not the pinned image: chain update moves the pin` } };
  return { ok: true, links: [link], pinned: `${image} is the image chain.lock pins (${pin.digest.slice(0, 80)}), the one every build of this chain uses` };
}

const shortRef = (ref: string | undefined) => (ref ?? '').replace(/^(.*@)?sha256:([0-9a-f]{12}).*$/, '$1$2');

function render(result: Verified): string {
  const rows = [['NODE', 'OWNER', 'DIGEST', 'BUILDER', 'BUILT', 'COMMIT', 'SIGNED BY']];
  for (const l of result.links) {
    rows.push([l.node, l.owner, l.digest.slice(7, 19), l.external ? '(external)' : (l.builder ?? ''), l.builtAt ?? '', l.commit?.slice(0, 12) ?? '', l.keyid?.slice(0, 16) ?? '']);
  }
  const lines = [`Chain of custody of ${result.image}, from the image down to its base:`, '', table(rows), ''];
  const rebased = result.links.filter((l) => l.rebase);
  for (const l of rebased) lines.push(`${l.node} was rebased (no step run): its own layers from ${shortRef(l.rebase?.from)}, placed on ${l.rebase?.parent} ${shortRef(l.rebase?.onto)}`);
  if (rebased.length > 0) lines.push('');
  if (result.ok && result.pinned) lines.push(`verified: ${result.pinned}`);
  else if (result.ok) {
    lines.push(`verified: ${result.links.length} links, each signed by a trusted key, about its very image, and built on the parents it names`);
  } else {
    const b = result.broken;
    lines.push(`BROKEN at ${b?.node ?? 'the image'} (${b?.image.slice(0, 19)}): ${b?.reason}`);
    if (result.trustedKeys === 0) lines.push('hint: chain.yaml lists no trustedKeys, so no signature can be trusted');
  }
  return lines.join('\n');
}
