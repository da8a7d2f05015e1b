/** Applies every rule to every node in its scope, minus valid exemptions (pure). */
import type { CheckContext, NodeFacts } from './checks.js';
import { CHECKS } from './checks.js';
import type { Exemption, Policy, Rule, Scope, Violation } from './model.js';

export interface LintResult {
  violations: Violation[];
  /** exemptions still in force, and those that expired */
  exemptions: { active: Exemption[]; expired: Exemption[] };
  summary: { errors: number; warnings: number; nodes: number; owners: string[] };
}

export function inScope(scope: Scope, node: { name: string; tier: string; owner: string }): boolean {
  return (!scope.tiers || scope.tiers.includes(node.tier)) && (!scope.teams || scope.teams.includes(node.owner)) && (!scope.nodes || scope.nodes.includes(node.name));
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export function lint(policy: Policy, facts: NodeFacts[], ctx: CheckContext): LintResult {
  const today = day(ctx.today);
  const active = policy.exemptions.filter((e) => e.expires >= today);
  const expired = policy.exemptions.filter((e) => e.expires < today);
  const exempt = (rule: Rule, node: string) => active.some((e) => e.rule === rule.id && e.node === node);
  const violations: Violation[] = [];
  for (const f of facts) {
    for (const rule of policy.rules) {
      if (!inScope(rule.scope, f.node) || exempt(rule, f.node.name)) continue;
      for (const finding of CHECKS[rule.check]?.run(f, rule.params, ctx) ?? []) {
        violations.push({ rule: rule.id, check: rule.check, severity: rule.severity, node: f.node.name, owner: f.node.owner, ...finding, rationale: rule.rationale });
      }
    }
  }
  for (const e of expired) {
    violations.push({
      rule: 'expired-exemption',
      check: 'exemption',
      severity: 'warn',
      node: e.node,
      owner: ctx.config.nodes[e.node]?.owner ?? e.team,
      message: `the exemption from ${e.rule} asked by ${e.team} expired on ${e.expires} (${e.reason})`,
      hint: 'fix the node, or renew the exemption with a new date after review',
      rationale: 'exemptions are temporary by design',
      location: e.where,
    });
  }
  const errors = violations.filter((v) => v.severity === 'error').length;
  return {
    violations,
    exemptions: { active, expired },
    summary: { errors, warnings: violations.length - errors, nodes: new Set(violations.map((v) => v.node)).size, owners: [...new Set(violations.map((v) => v.owner))].sort() },
  };
}
