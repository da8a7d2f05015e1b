/**
 * `chain check-owners --since <git ref> [--json]`: every change since the ref made by someone who
 * may not make it (see core/ownership-rules.ts for who may change what).
 */
import { ExitCode, fail } from '../../core/errors.js';
import { checkOwners, type OwnershipCheck } from '../../app/check-owners.js';
import { chainFile, type Command } from '../command.js';
import { table } from '../render/table.js';

export const command: Command<OwnershipCheck> = {
  async run(ctx) {
    const since = ctx.opts.since;
    if (!since) return fail('E_USAGE', 'check-owners needs --since <git ref>', { hint: 'e.g. chain check-owners --since origin/main' });
    const check = await checkOwners(ctx.deps, chainFile(ctx), since);
    return { data: check, exitCode: check.violations.length > 0 ? ExitCode.failed : ExitCode.ok };
  },
  render({ since, commits, signed, violations }) {
    const checked = `${commits} commit${commits === 1 ? '' : 's'} since ${since}${signed ? ', signatures verified' : ''}`;
    if (violations.length === 0) return `No ownership violations in ${checked}.`;
    const rows = table([['COMMIT', 'AUTHOR', 'RULE', 'FILE', 'NODE', 'MAY CHANGE IT', 'WHAT'], ...violations.map((v) => [v.commit.slice(0, 12), v.author, v.rule, v.file, v.node, v.owner, v.detail])]);
    return `${rows}\n\n${violations.length} change${violations.length === 1 ? '' : 's'} made by someone who may not make ${violations.length === 1 ? 'it' : 'them'} (${checked}).`;
  },
};
