/** `chain lint` for people: violations grouped by owner, each with its location, rationale and hint. */
import type { LintResult } from '../../policy/lint.js';
import type { Violation } from '../../policy/model.js';
import { displayLocation } from './problems.js';

export function violationLine(v: Violation, cwd: string): string {
  return `${displayLocation(v.location, cwd)}  ${v.rule}  ${v.node}  ${v.message}`;
}

export function renderLint(result: LintResult, cwd: string): string {
  const { errors, warnings, nodes, owners } = result.summary;
  if (result.violations.length === 0) return `No policy violations${result.exemptions.active.length > 0 ? ` (${result.exemptions.active.length} exemption${result.exemptions.active.length === 1 ? '' : 's'} in force)` : ''}.`;
  const lines: string[] = [];
  for (const owner of owners) {
    const mine = result.violations.filter((v) => v.owner === owner);
    lines.push(`${owner}:`);
    for (const v of mine) lines.push(`  ${v.severity === 'error' ? 'error' : 'warn '}  ${violationLine(v, cwd)}`, `         why: ${v.rationale}`, `         hint: ${v.hint}`);
    lines.push('');
  }
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${nodes} node${nodes === 1 ? '' : 's'}; owners: ${owners.join(', ')}`);
  return lines.join('\n');
}
