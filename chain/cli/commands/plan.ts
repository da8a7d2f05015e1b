/** `chain plan`: what must be rebuilt and why. */
import { ExitCode } from '../../core/errors.js';
import { chainFile, type Run } from '../command.js';
import { renderPlan } from '../render/plan.js';
import { planChain } from './plan-chain.js';

export const run: Run = async (args, opts, io) => {
  const { plan, world } = await planChain(chainFile(opts, io), args, opts, io);
  if (world.storeProblem && !opts.json) io.err(`note: ${world.storeProblem}`);
  io.out(opts.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
  return ExitCode.ok;
};
