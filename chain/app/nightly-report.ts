/** The nightly cascade's report: its shape, its Markdown, and where it goes (files, a webhook). */
import path from 'node:path';
import { writeFileAtomic } from '../adapters/state.js';
import type { Drift } from '../world/pins.js';
import { fail } from '../core/errors.js';
import type { AppDeps, Env } from './deps.js';

export interface NightlyReport {
  chain: string;
  date: string;
  moved: Drift[];
  bumps: { node: string; owner: string; from: string; to: string }[];
  byOwner: Record<string, { built: string[]; failed: string[]; blocked: string[]; held: string[] }>;
  failed: { node: string; owner: string; error: string; log?: string }[];
  /** the pins kept back because their subtree failed: retried next night */
  retried: string[];
  committed?: { branch: string; commit: string };
  ok: boolean;
  /** why the run stopped before building, when it did (a policy refusal, an engine gone, ...) */
  error?: string;
}

/**
 * $CHAIN_WEBHOOK_URL, checked before the night starts (a bad one must not surface only after
 * hours of building): an http(s) URL, or unset. Its value is never printed: it may carry a token.
 */
export function webhookUrl(env: Env): URL | undefined {
  const value = env.CHAIN_WEBHOOK_URL;
  if (value === undefined || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    fail('E_WEBHOOK_URL', `CHAIN_WEBHOOK_URL is not an http(s) URL${url ? ` (its scheme is ${url.protocol.replace(/:$/, '')})` : ''}`, {
      hint: 'set it to the receiver of the nightly report, e.g. https://hooks.acme.example/chain, or unset it',
    });
  }
  return url;
}

/** Writes the JSON and Markdown report into `folder`, and posts the JSON to $CHAIN_WEBHOOK_URL when set. */
export async function publishReport(deps: AppDeps, report: NightlyReport, folder: string): Promise<void> {
  writeFileAtomic(path.join(folder, `nightly-${report.date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(path.join(folder, `nightly-${report.date}.md`), renderMarkdown(report));
  const webhook = webhookUrl(deps.env);
  if (webhook) {
    const posted = await deps.fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) }).then((r) => r.ok, () => false);
    if (!posted) deps.note(`warning: could not post the report to the webhook ${webhook.origin}`);
  }
}

export function renderMarkdown(r: NightlyReport): string {
  const lines = [`# Nightly cascade of ${r.chain}, ${r.date}`, ''];
  lines.push(r.moved.length === 0 ? 'No base image moved.' : `## Bases that moved\n\n${r.moved.map((m) => `- **${m.node}** \`${m.image}\`: ${m.from ?? 'none'} -> ${m.to}`).join('\n')}`, '');
  if (r.bumps.length > 0) lines.push('## Version bumps', '', ...r.bumps.map((b) => `- ${b.node} (${b.owner}): ${b.from} -> ${b.to}`), '');
  const owners = Object.entries(r.byOwner).filter(([, o]) => o.built.length + o.failed.length + o.blocked.length + o.held.length > 0);
  if (owners.length > 0) {
    lines.push('## By owner', '', '| owner | rebuilt | failed | blocked | held |', '|---|---|---|---|---|');
    for (const [owner, o] of owners) lines.push(`| ${owner} | ${o.built.join(', ')} | ${o.failed.join(', ')} | ${o.blocked.join(', ')} | ${o.held.join(', ')} |`);
    lines.push('');
  } else lines.push('Nothing to rebuild.', '');
  if (r.failed.length > 0) lines.push('## Failed', '', ...r.failed.map((f) => `- ${f.node} (${f.owner}): ${f.error}${f.log ? ` (log: ${f.log})` : ''}`), '');
  if (r.retried.length > 0) lines.push(`Pins kept back for the next night: ${r.retried.join(', ')}.`, '');
  if (r.committed) lines.push(`Committed on \`${r.committed.branch}\` as ${r.committed.commit.slice(0, 12)}.`, '');
  if (r.error) lines.push(`**The run stopped:** ${r.error}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
