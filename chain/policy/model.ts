/** Policies as data: rules with scopes and parameters, exemptions, and the violations found. */
import type { Location } from '../core/errors.js';

export type Severity = 'error' | 'warn';

export interface Scope {
  tiers?: string[];
  teams?: string[];
  nodes?: string[];
}

export interface Rule {
  id: string;
  check: string;
  severity: Severity;
  scope: Scope;
  params: Record<string, unknown>;
  rationale: string;
  /** where the rule is declared */
  where: Location;
}

export interface Exemption {
  rule: string;
  node: string;
  team: string;
  reason: string;
  /** last day it applies, YYYY-MM-DD */
  expires: string;
  where: Location;
}

export interface Policy {
  rules: Rule[];
  exemptions: Exemption[];
}

export interface Violation {
  rule: string;
  check: string;
  severity: Severity;
  node: string;
  owner: string;
  message: string;
  hint: string;
  rationale: string;
  location: Location;
}
