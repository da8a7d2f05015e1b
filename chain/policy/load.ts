/** Reads policies/*.yaml with positions; a malformed policy file is an input error, like chain.yaml. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChainError, problem, type Problem } from '../core/errors.js';
import type { ChainConfig } from '../core/model.js';
import { validateAgainst } from '../config/schema.js';
import { YamlSource } from '../config/yaml-source.js';
import { CHECKS } from './checks.js';
import type { Exemption, Policy, Rule } from './model.js';

export const POLICY_DIR = 'policies';

interface RawPolicy {
  rules?: { id: string; check: string; severity: Rule['severity']; scope?: Rule['scope']; params?: Rule['params']; rationale: string }[];
  exemptions?: Omit<Exemption, 'where'>[];
}

export function loadPolicies(config: ChainConfig): Policy {
  const dir = path.join(config.root, POLICY_DIR);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const policy: Policy = { rules: [], exemptions: [] };
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = path.join(dir, name);
    const source = new YamlSource(file, readFileSync(file, 'utf8'));
    if (source.problems.length > 0) {
      problems.push(...source.problems);
      continue;
    }
    const data = (source.toJS() ?? {}) as RawPolicy;
    const schemaProblems = validateAgainst('policy', data, source);
    if (schemaProblems.length > 0) {
      problems.push(...schemaProblems);
      continue;
    }
    (data.rules ?? []).forEach((raw, i) => {
      const where = source.locate(['rules', i]);
      const at = (key: string) => source.locate(['rules', i, key]);
      if (seen.has(raw.id)) problems.push(problem('E_POLICY_DUPLICATE', `rule id '${raw.id}' is declared twice (also ${seen.get(raw.id)})`, { hint: 'rule ids are unique across policies/', location: at('id') }));
      seen.set(raw.id, `${name}:${where.line}`);
      const params = raw.params ?? {};
      const check = CHECKS[raw.check];
      for (const key of Object.keys(params)) {
        if (!check?.params.includes(key)) problems.push(problem('E_POLICY_PARAM', `rule ${raw.id}: check ${raw.check} takes no parameter '${key}'`, { hint: `its parameters: ${check?.params.join(', ') || 'none'}`, location: source.locate(['rules', i, 'params', key], 'key') }));
      }
      for (const tier of raw.scope?.tiers ?? []) {
        if (!config.tiers.includes(tier)) problems.push(problem('E_UNKNOWN_TIER', `rule ${raw.id}: scope names the tier '${tier}'`, { hint: `tiers: ${config.tiers.join(', ')}`, location: at('scope') }));
      }
      policy.rules.push({ id: raw.id, check: raw.check, severity: raw.severity, scope: raw.scope ?? {}, params, rationale: raw.rationale, where });
    });
    (data.exemptions ?? []).forEach((raw, i) => {
      const at = (key: string) => source.locate(['exemptions', i, key]);
      if (!config.nodes[raw.node]) problems.push(problem('E_UNKNOWN_NODE', `an exemption names the node '${raw.node}'`, { hint: 'exemptions name a node of chain.yaml', location: at('node') }));
      if (!config.teams[raw.team]) problems.push(problem('E_UNKNOWN_TEAM', `an exemption names the team '${raw.team}'`, { hint: `teams: ${Object.keys(config.teams).join(', ')}`, location: at('team') }));
      if (Number.isNaN(Date.parse(`${raw.expires}T00:00:00Z`))) problems.push(problem('E_POLICY_DATE', `'${raw.expires}' is not a date`, { hint: 'write YYYY-MM-DD', location: at('expires') }));
      policy.exemptions.push({ ...raw, where: source.locate(['exemptions', i]) });
    });
  }
  for (const e of policy.exemptions) {
    if (!seen.has(e.rule)) problems.push(problem('E_POLICY_UNKNOWN_RULE', `an exemption names the rule '${e.rule}', which no policy declares`, { hint: `rules: ${[...seen.keys()].join(', ') || 'none'}`, location: e.where }));
  }
  if (problems.length > 0) throw new ChainError(problems);
  return policy;
}
