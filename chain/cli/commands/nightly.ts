/** `chain nightly`: the unattended cascade (see app/nightly.ts); prints the report. */
import { nightly, type NightlyReport } from '../../app/nightly.js';
import { renderMarkdown } from '../../app/nightly-report.js';
import { chainFile, type Command } from '../command.js';
import { buildSettings } from './build.js';

export const command: Command<NightlyReport> = {
  async run(ctx) {
    const { report, exitCode } = await nightly(ctx.deps, chainFile(ctx), { ...buildSettings(ctx, ctx.opts), ...(ctx.opts.out ? { out: ctx.opts.out } : {}) });
    return { data: report, exitCode };
  },
  render: (report) => renderMarkdown(report),
};
