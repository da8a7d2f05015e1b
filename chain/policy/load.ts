/** Reads policies/*.yaml with positions; a malformed policy file is an input error, like chain.yaml. */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { ChainError, problem, type Location, type Problem } from '../core/errors.js';
import type { ChainConfig } from '../core/model.js';
import { readTextFile } from '../config/files.js';
import { validateAgainst } from '../config/schema.js';
import { YamlSource } from '../config/yaml-source.js';
import { CHECKS } from './checks.js';
import type { Exemption, Policy, Rule } from './model.js';
import { checkParams } from './params.js';

export const POLICY_DIR = 'policies';

interface RawPolicy {
  rules?: { id: string; check: string; severity: Rule['severity']; scope?: Rule['scope']; params?: Rule['params']; rationale: string }[];
  exemptions?: Omit<Exemption, 'where'>[];
}

export function loadPolicies(config: ChainConfig): Policy {
  const dir = path.join(config.root, POLICY_DIR);
  const problems: Problem[] = [];
  const policy: Policy = { rules: [], exemptions: [] };
  /** rule id -> where it was first declared (file:line), asked only when an id repeats */
  const seen = new Map<string, () => string>();
  for (const name of policyFiles(dir)) {
    const file = path.join(dir, name);
    let text: string;
    try {
      // A folder, FIFO or device named *.yaml is refused, never read; the text must be UTF-8.
      text = readTextFile(file, { code: 'E_POLICY_READ', what: 'policy file' });
    } catch (err) {
      if (!(err instanceof ChainError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    const source = new YamlSource(file, text);
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
      const at = (key: string) => source.locate(['rules', i, key]);
      const first = seen.get(raw.id);
      if (first) problems.push(problem('E_POLICY_DUPLICATE', `rule id '${raw.id}' is declared twice (also ${first()})`, { hint: 'rule ids are unique across policies/', location: at('id') }));
      seen.set(raw.id, () => `${name}:${source.locate(['rules', i]).line}`);
      const params = raw.params ?? {};
      const check = CHECKS[raw.check];
      for (const key of Object.keys(params)) {
        if (!check?.params.includes(key)) problems.push(problem('E_POLICY_PARAM', `rule ${raw.id}: check ${raw.check} takes no parameter '${key}'`, { hint: `its parameters: ${check?.params.join(', ') || 'none'}`, location: source.locate(['rules', i, 'params', key], 'key') }));
      }
      problems.push(...checkParams(raw.id, raw.check, params, config, (key, inner = []) => (params[key] === undefined ? at(raw.params ? 'params' : 'check') : source.locate(['rules', i, 'params', key, ...inner]))));
      for (const tier of raw.scope?.tiers ?? []) {
        if (!config.tiers.includes(tier)) problems.push(problem('E_UNKNOWN_TIER', `rule ${raw.id}: scope names the tier '${tier}'`, { hint: `tiers: ${config.tiers.join(', ')}`, location: at('scope') }));
      }
      // Where a rule is declared is wanted only to report a problem with it: the positional parse
      // of the policy file (and loading the `yaml` package) waits until then.
      let where: Location | undefined;
      policy.rules.push({ id: raw.id, check: raw.check, severity: raw.severity, scope: raw.scope ?? {}, params, rationale: raw.rationale, get where() { return (where ??= source.locate(['rules', i])); } });
    });
    (data.exemptions ?? []).forEach((raw, i) => {
      const at = (key: string) => source.locate(['exemptions', i, key]);
      if (!config.nodes[raw.node]) problems.push(problem('E_UNKNOWN_NODE', `an exemption names the node '${raw.node}'`, { hint: 'exemptions name a node of chain.yaml', location: at('node') }));
      if (!config.teams[raw.team]) problems.push(problem('E_UNKNOWN_TEAM', `an exemption names the team '${raw.team}'`, { hint: `teams: ${Object.keys(config.teams).join(', ')}`, location: at('team') }));
      if (!isCalendarDate(raw.expires)) problems.push(problem('E_POLICY_DATE', `'${raw.expires}' is not a day of the calendar`, { hint: 'write YYYY-MM-DD, a day that exists (2027-02-28, not 2027-02-30)', location: at('expires') }));
      policy.exemptions.push({ ...raw, where: source.locate(['exemptions', i]) });
    });
  }
  for (const e of policy.exemptions) {
    if (!seen.has(e.rule)) problems.push(problem('E_POLICY_UNKNOWN_RULE', `an exemption names the rule '${e.rule}', which no policy declares`, { hint: `rules: ${[...seen.keys()].join(', ') || 'none'}`, location: e.where }));
  }
  if (problems.length > 0) throw new ChainError(problems);
  return policy;
}

/** The *.yaml / *.yml entries of policies/ (none when there is no such folder). */
function policyFiles(dir: string): string[] {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) return [];
  const refuse = (message: string): never => {
    throw new ChainError([problem('E_POLICY_READ', message, { hint: `${POLICY_DIR}/ is a folder of policy files (*.yaml)`, location: { file: dir } })]);
  };
  if (!stat.isDirectory()) refuse(`${POLICY_DIR} is not a folder`);
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    refuse(`${POLICY_DIR}/ cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return entries.map((e) => e.name).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/** YYYY-MM-DD naming a day that exists (Date.parse takes 2027-02-30 for March 2nd). */
export function isCalendarDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}
