/** `chain build`: one run at a time per chain; builds, tests and promotes what the plan says. */
import path from 'node:path';
import { buildChain, buildExitCode } from '../../app/build-chain.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Violation } from '../../policy/model.js';
import { builderOption, chainFile, positiveInt, type CommandContext, type Command } from '../command.js';
import { DEFAULT_JOBS, DEFAULT_TEST_TIMEOUT_S } from '../defaults.js';
import type { Options } from '../options.js';
import { renderBuildSummary } from '../render/build.js';
import { violationLine } from '../render/lint.js';
import { displayLocation } from '../render/problems.js';
import { progressView } from '../reporters/choose.js';

export { DEFAULT_JOBS };

/** The longest --test-timeout, in seconds. */
export const MAX_TEST_TIMEOUT_S = 86_400;

/** What `build` and `nightly` read from the command line alike. */
export function buildSettings(ctx: CommandContext, opts: Options) {
  return {
    jobs: positiveInt(opts.jobs, DEFAULT_JOBS, 'jobs'),
    // At most a day: a test that may run longer is not a test, and the timer holds 24.8 days at most.
    testTimeoutMs: positiveInt(opts['test-timeout'], DEFAULT_TEST_TIMEOUT_S, 'test-timeout', MAX_TEST_TIMEOUT_S) * 1000,
    push: opts.push ?? false,
    ...(opts['sign-key'] ? { signKey: path.resolve(ctx.deps.cwd, opts['sign-key']) } : {}),
    progress: progressView(ctx.terminal, opts.verbose ?? false),
    onPolicyWarning: (v: Violation) => ctx.terminal.err(`policy warning: ${violationLine(v, ctx.deps.cwd)}`),
  };
}

export const command: Command<BuildSummary> = {
  async run(ctx) {
    const { opts } = ctx;
    const summary = await buildChain(ctx.deps, chainFile(ctx), {
      ...buildSettings(ctx, opts),
      targets: ctx.args,
      ...(opts.since ? { since: opts.since } : {}),
      force: opts.force ?? false,
      only: opts.only ?? false,
      failFast: opts['fail-fast'] ?? false,
      atomic: opts.atomic ?? false,
      noWait: opts['no-wait'] ?? false,
      requireClean: opts['require-clean'] ?? false,
      ...builderOption(opts.builder),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    return { data: summary, exitCode: buildExitCode(summary) };
  },
  render: (summary, view) => renderBuildSummary(summary, (p) => displayLocation({ file: p }, view.cwd)),
};
