/** `chain owners [--json]`: every node with its tier, owning team, members and contact. */
import { ExitCode } from '../../core/errors.js';
import { openChain, type Run } from '../command.js';
import { table } from '../render/table.js';

export const run: Run = async (_args, opts, io) => {
  const { config } = (await openChain(opts, io)).loaded;
  const tierIndex = (t: string) => config.tiers.indexOf(t);
  const nodes = Object.values(config.nodes).sort((a, b) => tierIndex(a.tier) - tierIndex(b.tier) || a.name.localeCompare(b.name));
  const data = nodes.map((n) => {
    const team = config.teams[n.owner];
    return { node: n.name, tier: n.tier, owner: n.owner, members: team?.members ?? [], contact: team?.contact ?? null, admin: config.admins.includes(n.owner) };
  });
  if (opts.json) io.out(JSON.stringify({ chain: config.name, admins: config.admins, nodes: data }, null, 2));
  else io.out(table([['NODE', 'TIER', 'OWNER', 'MEMBERS', 'CONTACT'], ...data.map((d) => [d.node, d.tier, d.owner, d.members.join(', '), d.contact ?? ''])]));
  return ExitCode.ok;
};
