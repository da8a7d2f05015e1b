/** `chain provenance <node> [--json]`: the node's latest in-toto statement. */
import { ExitCode, fail } from '../../core/errors.js';
import type { Run } from '../command.js';
import { table } from '../render/table.js';
import { openCustody } from './custody.js';

export const run: Run = async (args, opts, io) => {
  const c = await openCustody(opts, io);
  const node = args[0];
  if (!node || !c.loaded.config.nodes[node]) fail('E_UNKNOWN_NODE', `no node named '${node ?? ''}'`, { hint: `nodes: ${Object.keys(c.loaded.config.nodes).sort().join(', ')}` });
  const record = c.store.latest(node);
  if (!record) return fail('E_NOT_BUILT', `node ${node} has no provenance yet`, { hint: 'chain build records it for every node it builds' });
  if ('corrupt' in record) return fail('E_RECORD_CORRUPT', `the latest provenance record of ${node} (${record.address}) is corrupt: ${record.corrupt}`, { hint: 'rebuild the node with chain build --force' });
  if (opts.json) {
    io.out(JSON.stringify(record.statement, null, 2));
    return ExitCode.ok;
  }
  const s = record.statement;
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
    ['signed', record.envelope.signatures.map((sig) => `key ${sig.keyid?.slice(0, 16)}`).join(', ') || 'no (built without --sign-key)'],
    ['record', record.address],
  ];
  io.out(table(rows as string[][]));
  return ExitCode.ok;
};
