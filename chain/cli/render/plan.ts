/** `chain plan` for people: a table by wave with owner, action and the first reason, then a summary. */
import { describeParentNotCurrent } from '../../core/current.js';
import { makesImage, type Plan, type PlanNode } from '../../core/plan.js';
import { describeReason } from '../../core/reasons.js';
import { table } from './table.js';

function why(node: PlanNode): string {
  if (node.kind === 'external') return node.image ? `external ${node.image.digest ?? node.image.id?.slice(0, 19)}` : 'external, not in the image store';
  if (node.action === 'skip') return 'up to date';
  if (node.parentNotCurrent) return `cannot start: ${describeParentNotCurrent(node.parentNotCurrent)}`;
  const [first, ...rest] = node.reasons;
  const why = first ? describeReason(first) + (rest.length > 0 ? ` (+${rest.length} more)` : '') : '';
  return node.action === 'missing' ? `not current (${why}), and --only builds no ancestor` : why;
}

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  if (!plan.storeReachable) lines.push('note: the image store cannot be reached; planned as if no image existed', '');
  const rows: string[][] = [['WAVE', 'NODE', 'TIER', 'OWNER', 'ACTION', 'WHY']];
  for (const node of plan.nodes) rows.push([String(node.wave), node.name, node.tier, node.owner, node.action, why(node)]);
  lines.push(table(rows));
  const build = plan.nodes.filter((n) => makesImage(n.action) || n.action === 'hold');
  if (build.length > 0) {
    lines.push('', plan.summary.rebase > 0 ? 'To rebuild or rebase (or held for consent), by owner:' : 'To rebuild (or held for consent), by owner:');
    const owners = [...new Set(build.map((n) => n.owner))].sort();
    lines.push(table(owners.map((o) => [o, build.filter((n) => n.owner === o).map((n) => n.name).join(', ')]), '  '));
  }
  const moving = plan.nodes.filter((n) => n.release?.moves).map((n) => n.release?.tag);
  if (moving.length > 0) lines.push('', `Version tags this would move to new content: ${moving.join(', ')} (chain patch <node> gives a new version instead).`);
  lines.push('', summaryLine(plan));
  return lines.join('\n');
}

export function summaryLine(plan: Plan): string {
  const { build, rebase, skip, hold, owners, missing = 0 } = plan.summary;
  const held = hold > 0 ? `, ${hold} held for their team's consent` : '';
  const blocked = plan.nodes.filter((n) => n.parentNotCurrent).length;
  const absent = missing > 0 ? ` (--only: ${missing} ancestor${missing > 1 ? 's' : ''} not current${blocked > 0 ? `; ${blocked} named node${blocked > 1 ? 's' : ''} cannot start` : ''})` : '';
  if (build === 0 && rebase === 0 && hold === 0) return `Nothing to build: ${skip} up to date.${absent}`;
  return `${build} to build, ${rebase > 0 ? `${rebase} to rebase, ` : ''}${skip} up to date${held}; owners: ${owners.join(', ')}${absent}`;
}
