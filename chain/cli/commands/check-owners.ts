/**
 * `chain check-owners --since <git ref> [--json]`: every change since the ref to a node's folder
 * made by someone outside the owning team, and every change to chain.yaml's graph or ownership
 * keys made by someone who is not an admin (admins as they were before that change).
 */
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { ExitCode, fail } from '../../core/errors.js';
import { adminMembers, governedKeys, nodeOfPath } from '../../core/ownership.js';
import { GitRepo } from '../../adapters/git.js';
import { openChain, type Run } from '../command.js';
import { table } from '../render/table.js';

export interface Violation {
  commit: string;
  author: string;
  file: string;
  node: string;
  owner: string;
  rule: 'node-folder' | 'chain-governance';
}

const parse = (text: string | undefined): unknown => {
  try {
    return text === undefined ? undefined : loadYaml(text);
  } catch {
    return undefined;
  }
};

export const run: Run = async (_args, opts, io) => {
  if (!opts.since) fail('E_USAGE', 'check-owners needs --since <git ref>', { hint: 'e.g. chain check-owners --since origin/main' });
  const { file, loaded } = await openChain(opts, io);
  const { config } = loaded;
  const git = new GitRepo(config.root);
  if (!(await git.exists(opts.since))) fail('E_GIT_REF', `'${opts.since}' is not a commit of the repository at ${config.root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
  const chainYaml = path.basename(file);
  const violations: Violation[] = [];
  for (const commit of await git.commitsSince(opts.since)) {
    const author = commit.email.toLowerCase();
    for (const changed of commit.files) {
      const node = nodeOfPath(config, changed);
      if (node) {
        const owner = config.nodes[node]?.owner ?? '';
        const members = (config.teams[owner]?.members ?? []).map((m) => m.toLowerCase());
        if (!members.includes(author)) violations.push({ commit: commit.sha, author: commit.email, file: changed, node, owner, rule: 'node-folder' });
      } else if (changed === chainYaml) {
        const before = parse(commit.parent ? await git.show(commit.parent, chainYaml) : undefined);
        const after = parse(await git.show(commit.sha, chainYaml));
        if (governedKeys(before) !== governedKeys(after) && !adminMembers(before).has(author)) {
          violations.push({ commit: commit.sha, author: commit.email, file: changed, node: '-', owner: `admins (${config.admins.join(', ') || 'none named'})`, rule: 'chain-governance' });
        }
      }
    }
  }
  if (opts.json) io.out(JSON.stringify({ since: opts.since, violations }, null, 2));
  else if (violations.length === 0) io.out(`No ownership violations since ${opts.since}.`);
  else {
    io.out(table([['COMMIT', 'AUTHOR', 'FILE', 'NODE', 'OWNER'], ...violations.map((v) => [v.commit.slice(0, 12), v.author, v.file, v.node, v.owner])]));
    io.out(`\n${violations.length} change${violations.length === 1 ? '' : 's'} by someone outside the owning team.`);
  }
  return violations.length > 0 ? ExitCode.failed : ExitCode.ok;
};
