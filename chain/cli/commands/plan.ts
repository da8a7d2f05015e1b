/** `chain plan`: what must be rebuilt and why. */
import type { Plan } from '../../core/plan.js';
import { planFile } from '../../app/plan-chain.js';
import { builderOption, chainFile, type Command } from '../command.js';
import { renderPlan } from '../render/plan.js';

export const command: Command<Plan> = {
  async run(ctx) {
    const { opts } = ctx;
    const { plan, world } = await planFile(ctx.deps, chainFile(ctx), { targets: ctx.args, ...(opts.since ? { since: opts.since } : {}), force: opts.force ?? false, only: opts.only ?? false, ...builderOption(opts.builder) });
    if (world.store.problem) ctx.deps.note(`note: ${world.store.problem}`);
    return { data: plan };
  },
  render: (plan) => renderPlan(plan),
};
