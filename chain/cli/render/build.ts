/** The end-of-build summary for people. */
import type { BuildSummary, NodeResult } from '../../exec/events.js';
import { table } from './table.js';

export function renderBuildSummary(summary: BuildSummary, displayPath: (p: string) => string): string {
  const { counts } = summary;
  if (counts.built + counts.failed + counts.blocked + counts.cancelled + counts.held === 0) {
    return `Nothing to build: ${counts['up-to-date']} up to date.`;
  }
  const lines: string[] = [];
  const rows = summary.nodes.filter((n) => n.status !== 'up-to-date').map((n) => [n.status, n.name, n.owner, detail(n, displayPath)]);
  lines.push(table(rows));
  for (const n of summary.nodes) if (n.status === 'failed' && n.failedStep?.output.length) lines.push('', ...failedStepLines(n, n.failedStep, displayPath));
  lines.push('', `built ${counts.built}, up to date ${counts['up-to-date']}, failed ${counts.failed}, blocked ${counts.blocked}${counts.cancelled ? `, cancelled ${counts.cancelled}` : ''}${counts.held ? `, held ${counts.held}` : ''} in ${(summary.durationMs / 1000).toFixed(1)}s (build ${summary.buildId})`);
  const moved = summary.nodes.flatMap((n) => (n.versionMoved ? [n.versionMoved] : []));
  if (moved.length > 0) lines.push(`Version tags moved to new content: ${moved.join(', ')} (a new version keeps released ones fixed: chain patch <node>; immutableVersions: true refuses such builds).`);
  if (!summary.promoted) lines.push('--atomic: not every node succeeded, so no human tag moved.');
  if (summary.interrupted) lines.push('Interrupted: running builds were cancelled; nothing unfinished was promoted.');
  if (summary.engineLost) lines.push('The Docker Engine went away during the run; nothing half-done was promoted.');
  if (summary.stateUnwritable) lines.push('The state folder could not be written (see the failed node): the run stopped, and nothing without its record was made current; the next run redoes it.');
  if (summary.registryFailed) lines.push('The registry was down or refused the credentials; nodes whose push failed were not promoted.');
  return lines.join('\n');
}

/** A failed step: its Dockerfile line and instruction, then the last lines it printed. */
function failedStepLines(n: NodeResult, step: NonNullable<NodeResult['failedStep']>, displayPath: (p: string) => string): string[] {
  const where = step.file ? `${displayPath(step.file)}${step.line ? `:${step.line}` : ''}` : 'the failed step';
  const instruction = step.instruction.length > 100 ? `${step.instruction.slice(0, 99)}…` : step.instruction;
  return [`${n.name}: ${where}  ${instruction}`, `  its last ${step.output.length === 1 ? 'line' : `${step.output.length} lines`} of output:`, ...step.output.map((l) => `  | ${l}`)];
}

function detail(n: NodeResult, displayPath: (p: string) => string): string {
  const took = `(${(n.durationMs / 1000).toFixed(1)}s)`;
  if (n.status === 'built' && n.adopted) return `${n.tags.join(' ')}  adopted: another runner published this fingerprint first (${n.digest ?? n.imageId ?? ''})  ${took}`;
  if (n.status === 'built' && n.rebasedFrom) return `${n.tags.join(' ')}  rebased from ${n.rebasedFrom.replace(/^(.*@)?sha256:([0-9a-f]{12}).*$/, '$1$2')}  ${took}`;
  if (n.status === 'built') return `${n.tags.join(' ')}  ${took}`;
  if (n.status === 'failed') return `${n.error ?? ''}${n.log ? `  log: ${displayPath(n.log)}` : ''}`;
  return n.blockedBy ? `blocked by ${n.blockedBy}` : (n.held ?? '');
}
