/** `chain lint [node...]`: applies every policy in policies/ to the chain. */
import path from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { openChain } from '../../app/open.js';
import { checkTargets } from '../../app/plan-chain.js';
import type { LintResult } from '../../policy/lint.js';
import { lintChain } from '../../policy/run.js';
import { startGitRead } from '../../world/read.js';
import { chainFile, type Command } from '../command.js';
import { renderLint } from '../render/lint.js';

export const command: Command<LintResult> = {
  async run(ctx) {
    const { args, deps } = ctx;
    const file = chainFile(ctx);
    const gitRead = startGitRead(deps.git(path.dirname(file)));
    const loaded = await openChain(file);
    checkTargets(loaded.config, args);
    const engine = await deps.engine();
    // The engine only tells base images' ages; lint works without it.
    const reachable = await engine.ping().then(() => true, () => false);
    const { index } = await gitRead;
    const { ageChecked, ...result } = await lintChain(loaded, args.length > 0 ? args : Object.keys(loaded.config.nodes), { today: deps.now(), ...(index ? { index } : {}), ...(reachable ? { engine } : {}) });
    if (!reachable && ageChecked) deps.note('note: the Docker Engine cannot be reached, so base image ages were not checked (retirement maxAgeDays)');
    return { data: result, exitCode: result.summary.errors > 0 ? ExitCode.failed : ExitCode.ok };
  },
  render: (result, view) => renderLint(result, view.cwd),
};
