/** `chain provenance <node> [--json]`: the node's latest in-toto statement. */
import { fail } from '../../core/errors.js';
import type { Statement } from '../../provenance/types.js';
import { nodeArg, type Command } from '../command.js';
import { table } from '../render/table.js';
import { targetOf } from '../../app/custody.js';
import { openCustody } from './custody.js';

export interface ProvenanceRecord {
  statement: Statement;
  /** the record's content address (sha256 of its bytes) */
  address: string;
  /** the keys that signed it (none when built without --sign-key) */
  keyids: string[];
}

export const command: Command<ProvenanceRecord> = {
  async run(ctx) {
    const { loaded, custody } = await openCustody(ctx);
    const node = nodeArg(ctx, loaded.config.nodes);
    if (loaded.config.nodes[node]?.kind === 'external') return fail('E_NOT_BUILT', `node ${node} is external: bought, not built, so chain records no provenance for it`, { hint: `chain verify ${node} checks it against its pin in chain.lock` });
    // The record of the node's current (or released) image, wherever it is kept; else its latest here.
    const image = await custody.inspect((await targetOf(ctx.deps, loaded, custody, node)).ref);
    const record = (image ? await custody.recordFor(image) : undefined) ?? custody.records.latest(node);
    if (!record) return fail('E_NOT_BUILT', `node ${node} has no provenance yet`, { hint: 'chain build records it for every node it builds' });
    if ('corrupt' in record) return fail('E_RECORD_CORRUPT', `the latest provenance record of ${node} (${record.address}) is corrupt: ${record.corrupt}`, { hint: 'rebuild the node with chain build --force' });
    return { data: { statement: record.statement, address: record.address, keyids: record.envelope.signatures.map((sig) => sig.keyid ?? '') } };
  },
  render,
  // JSON output is the in-toto statement itself.
  json: (record) => record.statement,
};

function render(record: ProvenanceRecord): string {
  const s = record.statement;
  const node = String(s.subject[0]?.annotations?.node ?? '');
  const subject = s.subject[0];
  const def = s.predicate.buildDefinition;
  const run = s.predicate.runDetails;
  const params = def.externalParameters as { context: string; dockerfile: string; args: Record<string, string>; version?: string; reason?: string };
  const rows = [
    ['image', `${subject?.name} sha256:${subject?.digest?.sha256} (${subject?.annotations?.digestKind})`],
    ['node', `${node} (tier ${subject?.annotations?.tier}, owner ${subject?.annotations?.owner})`],
    ['version', params.version ?? '-'],
    ['built from', (def.resolvedDependencies ?? []).map((d) => (d.digest?.gitCommit ? `git ${d.digest.gitCommit.slice(0, 12)}` : `${d.name} ${d.uri}`)).join('\n              ')],
    ['context', `${params.context} (Dockerfile ${params.dockerfile})`],
    ['build args', Object.entries(params.args).map(([k, v]) => `${k}=${v}`).join(' ') || '-'],
    ...(params.reason ? [['reason', params.reason]] : []),
    ['builder', `${run.builder.id} ${Object.entries(run.builder.version ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}`],
    ['build', `${run.metadata?.invocationId} from ${run.metadata?.startedOn} to ${run.metadata?.finishedOn}`],
    ['signed', record.keyids.map((k) => `key ${k.slice(0, 16)}`).join(', ') || 'no (built without --sign-key)'],
    ['record', record.address],
  ];
  return table(rows as string[][]);
}
