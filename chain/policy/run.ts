/** Loads the policies and lints nodes of a loaded chain: shared by `chain lint` and `chain build`. */
import type { LoadedChain } from '../config/resolve.js';
import { chainGraph } from '../core/graph.js';
import type { EngineReader } from '../adapters/engine.js';
import type { ContextSnapshot } from '../adapters/context.js';
import type { GitIndex } from '../adapters/git.js';
import { gatherFacts } from './facts.js';
import { lint, type LintResult } from './lint.js';
import { loadPolicies } from './load.js';

export async function lintChain(
  loaded: LoadedChain,
  names: string[],
  opts: { index?: GitIndex; engine?: EngineReader; today: Date; snapshots?: Record<string, ContextSnapshot> },
): Promise<LintResult & { ageChecked: boolean }> {
  const policy = loadPolicies(loaded.config);
  // Whether some rule wants base image ages, which only the engine knows: if none does, it is not asked.
  const ageChecked = policy.rules.some((r) => r.check === 'retirement' && Number(r.params.maxAgeDays ?? 0) > 0);
  const facts = await gatherFacts(loaded, names, opts.index, ageChecked ? opts.engine : undefined, opts.snapshots);
  const result = lint(policy, facts, {
    config: loaded.config,
    graph: chainGraph(loaded.config),
    today: opts.today,
    dockerfiles: loaded.dockerfiles,
    locate: (node, key) => loaded.source.locate(key ? ['nodes', node, key] : ['nodes', node], key ? 'value' : 'key'),
  });
  return { ...result, ageChecked };
}
