/**
 * The type of every parameter of every built-in check, checked when policies load: a value of the
 * wrong type is an input error at its position (E_POLICY_PARAM), never a check quietly switched
 * off (`maxBytes: "10M"` once compared as NaN, so no context was ever too large).
 */
import { problem, type Location, type Problem } from '../core/errors.js';
import type { ChainConfig } from '../core/model.js';

export type ParamType = 'string-list' | 'team-list' | 'metadata-keys' | 'boolean' | 'positive-integer' | 'tier-lists';

export interface CheckParams {
  types: Readonly<Record<string, ParamType>>;
  /** parameters without which the check means nothing */
  required?: readonly string[];
}

/** Keyed by check; a check absent here takes no parameter. Kept in step with CHECKS by a unit test. */
export const PARAMS: Readonly<Record<string, CheckParams>> = {
  'trusted-external': { types: { allow: 'string-list', requireDigest: 'boolean' } },
  'tier-from': { types: { allow: 'tier-lists' }, required: ['allow'] },
  'non-root-user': { types: { inherited: 'boolean' } },
  'owner-allowed': { types: { teams: 'team-list' }, required: ['teams'] },
  'required-metadata': { types: { keys: 'metadata-keys' }, required: ['keys'] },
  retirement: { types: { maxAgeDays: 'positive-integer' } },
  'context-hygiene': { types: { maxBytes: 'positive-integer' } },
};

/** What a required-metadata rule can ask a built node for. */
const METADATA_KEYS = ['description', 'version'];

const EXPECTED: Record<ParamType, string> = {
  'string-list': 'a list of strings',
  'team-list': 'a list of team names',
  'metadata-keys': `a list of node keys (${METADATA_KEYS.join(', ')})`,
  boolean: 'true or false',
  'positive-integer': 'a whole number of at least 1',
  'tier-lists': 'a map from each tier to the list of tiers it may build FROM, e.g. { app: [middleware] }',
};

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a map' : String(v));
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/**
 * Problems with one rule's parameters: wrong types, missing required ones, and names of tiers,
 * teams or keys the chain does not have. `locate(key, inner)` finds a parameter (or a part of it).
 */
export function checkParams(ruleId: string, check: string, params: Record<string, unknown>, config: ChainConfig, locate: (key: string, inner?: (string | number)[]) => Location): Problem[] {
  const spec = PARAMS[check] ?? { types: {} };
  const problems: Problem[] = [];
  const wrong = (key: string, message: string, hint: string, inner?: (string | number)[]) => problems.push(problem('E_POLICY_PARAM', `rule ${ruleId}: ${message}`, { hint, location: locate(key, inner) }));
  for (const key of spec.required ?? []) {
    if (params[key] === undefined) wrong(key, `check ${check} needs the parameter '${key}'`, `give it ${EXPECTED[spec.types[key] as ParamType]}`);
  }
  for (const [key, value] of Object.entries(params)) {
    const type = spec.types[key];
    if (!type) continue; // unknown parameters are told by the loader
    const bad = () => wrong(key, `${key} is ${show(value)}, not ${EXPECTED[type]}`, `write ${key} as ${EXPECTED[type]}`);
    switch (type) {
      case 'boolean':
        if (typeof value !== 'boolean') bad();
        break;
      case 'positive-integer':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) bad();
        break;
      case 'string-list':
        if (!strings(value)) bad();
        break;
      case 'team-list':
        if (!strings(value)) bad();
        else value.forEach((team, i) => { if (!Object.hasOwn(config.teams, team)) problems.push(problem('E_UNKNOWN_TEAM', `rule ${ruleId}: ${key} names '${team}', which is not a team`, { hint: `teams: ${Object.keys(config.teams).join(', ')}`, location: locate(key, [i]) })); });
        break;
      case 'metadata-keys':
        if (!strings(value)) bad();
        else value.forEach((k, i) => { if (!METADATA_KEYS.includes(k)) wrong(key, `${key} names '${k}', which a node does not declare`, `keys a node may declare: ${METADATA_KEYS.join(', ')}`, [i]); });
        break;
      case 'tier-lists':
        if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every(strings)) bad();
        else tierNames(ruleId, key, value as Record<string, string[]>, config, locate, problems);
        break;
    }
  }
  return problems;
}

function tierNames(ruleId: string, key: string, value: Record<string, string[]>, config: ChainConfig, locate: (key: string, inner?: (string | number)[]) => Location, problems: Problem[]): void {
  const unknown = (tier: string, where: (string | number)[]) => problems.push(problem('E_UNKNOWN_TIER', `rule ${ruleId}: ${key} names the tier '${tier}'`, { hint: `tiers: ${config.tiers.join(', ')}`, location: locate(key, where) }));
  for (const [tier, allowed] of Object.entries(value)) {
    if (!config.tiers.includes(tier)) unknown(tier, [tier]);
    allowed.forEach((t, i) => { if (!config.tiers.includes(t)) unknown(t, [tier, i]); });
  }
}
