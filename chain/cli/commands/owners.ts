/** `chain owners`: every node with its tier, owning team, members and contact. */
import type { Command } from '../command.js';
import { openChain } from '../../app/open.js';
import { chainFile } from '../command.js';
import { table } from '../render/table.js';

export interface Owners {
  chain: string;
  admins: string[];
  nodes: { node: string; tier: string; owner: string; members: string[]; contact: string | null; admin: boolean }[];
}

export const command: Command<Owners> = {
  async run(ctx) {
    const { config } = await openChain(chainFile(ctx));
    const tierIndex = (t: string) => config.tiers.indexOf(t);
    const nodes = Object.values(config.nodes).sort((a, b) => tierIndex(a.tier) - tierIndex(b.tier) || a.name.localeCompare(b.name));
    const data = nodes.map((n) => {
      const team = Object.hasOwn(config.teams, n.owner) ? config.teams[n.owner] : undefined;
      return { node: n.name, tier: n.tier, owner: n.owner, members: team?.members ?? [], contact: team?.contact ?? null, admin: config.admins.includes(n.owner) };
    });
    return { data: { chain: config.name, admins: config.admins, nodes: data } };
  },
  render: (owners) => table([['NODE', 'TIER', 'OWNER', 'MEMBERS', 'CONTACT'], ...owners.nodes.map((d) => [d.node, d.tier, d.owner, d.members.join(', '), d.contact ?? ''])]),
};
