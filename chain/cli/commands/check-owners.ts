/**
 * `chain check-owners --since <git ref> [--json]`: every change since the ref to a node's folder
 * made by someone outside the owning team, and every change to chain.yaml's graph or ownership
 * keys made by someone who is not an admin (admins as they were before that change).
 */
import path from 'node:path';
import { ExitCode, fail } from '../../core/errors.js';
import { adminMembers, governedKeys, nodeOfPath } from '../../core/ownership.js';
import { parseChainText } from '../../config/read.js';
import { openChain } from '../../app/open.js';
import { chainFile, type Command } from '../command.js';
import { table } from '../render/table.js';

export interface Violation {
  commit: string;
  author: string;
  file: string;
  node: string;
  owner: string;
  rule: 'node-folder' | 'chain-governance';
}

export interface OwnershipCheck {
  since: string;
  violations: Violation[];
}

export const command: Command<OwnershipCheck> = {
  async run(ctx) {
    const since = ctx.opts.since;
    if (!since) return fail('E_USAGE', 'check-owners needs --since <git ref>', { hint: 'e.g. chain check-owners --since origin/main' });
    const { config } = await openChain(chainFile(ctx));
    const git = ctx.deps.git(config.root);
    if (!(await git.exists(since))) fail('E_GIT_REF', `'${since}' is not a commit of the repository at ${config.root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
    const chainYaml = path.basename(config.file);
    const violations: Violation[] = [];
    for (const commit of await git.commitsSince(since)) {
      const author = commit.email.toLowerCase();
      for (const changed of commit.files) {
        const node = nodeOfPath(config, changed);
        if (node) {
          const owner = config.nodes[node]?.owner ?? '';
          const members = (Object.hasOwn(config.teams, owner) ? (config.teams[owner]?.members ?? []) : []).map((m) => m.toLowerCase());
          if (!members.includes(author)) violations.push({ commit: commit.sha, author: commit.email, file: changed, node, owner, rule: 'node-folder' });
        } else if (changed === chainYaml) {
          const before = parseChainText(commit.parent ? await git.show(commit.parent, chainYaml) : undefined);
          const after = parseChainText(await git.show(commit.sha, chainYaml));
          if (governedKeys(before) !== governedKeys(after) && !adminMembers(before).has(author)) {
            violations.push({ commit: commit.sha, author: commit.email, file: changed, node: '-', owner: `admins (${config.admins.join(', ') || 'none named'})`, rule: 'chain-governance' });
          }
        }
      }
    }
    return { data: { since, violations }, exitCode: violations.length > 0 ? ExitCode.failed : ExitCode.ok };
  },
  render({ since, violations }) {
    if (violations.length === 0) return `No ownership violations since ${since}.`;
    const rows = table([['COMMIT', 'AUTHOR', 'FILE', 'NODE', 'OWNER'], ...violations.map((v) => [v.commit.slice(0, 12), v.author, v.file, v.node, v.owner])]);
    return `${rows}\n\n${violations.length} change${violations.length === 1 ? '' : 's'} by someone outside the owning team.`;
  },
};
