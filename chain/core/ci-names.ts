/**
 * Job names each CI engine accepts, made from node names deterministically and without
 * collisions. A node name (`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`, up to 128 characters) may
 * start with a digit or hold `.` and `_`, which not every engine takes in a job's name; and GitLab
 * reads some top-level keys as keywords. A name that had to change, or that two jobs would share,
 * gets a suffix from the hash of the job's key, so every job keeps a name of its own.
 */
import { sha256 } from './fingerprint.js';
import type { CiEngine } from './pipeline.js';

/** Top-level keys GitLab reads as keywords, not jobs (docs.gitlab.com ci/yaml), and `pages`, its Pages job. */
export const GITLAB_RESERVED = new Set(['image', 'services', 'stages', 'types', 'before_script', 'after_script', 'variables', 'cache', 'include', 'default', 'workflow', 'spec', 'pages']);

/** Names kept short: a Kubernetes label value (Argo labels pods with the task) holds 63 characters at most. */
const MAX_LENGTH = 63;

interface NameRule {
  /** the name as the engine takes it, or undefined when it takes it as it is */
  fix(base: string): string | undefined;
}

const RULES: Record<CiEngine, NameRule> = {
  // Any name but a keyword; hidden jobs start with '.', which no node name does.
  gitlab: { fix: (base) => (GITLAB_RESERVED.has(base) ? `${base}-node` : undefined) },
  // Job IDs: ^[A-Za-z_][A-Za-z0-9_-]*$ (docs.github.com, jobs.<job_id>).
  github: {
    fix: (base) => {
      const id = base.replace(/\./g, '_');
      const fixed = /^[A-Za-z_]/.test(id) ? id : `_${id}`;
      return fixed === base ? undefined : fixed;
    },
  },
  // DAG task names: ^[a-zA-Z0-9][-a-zA-Z0-9]*$ (argo-workflows, workflow field names).
  argo: {
    fix: (base) => {
      const name = base.replace(/[._]/g, '-');
      return name === base ? undefined : name;
    },
  },
};

/** The engine's name for each job, by job key. */
export function jobNames(engine: CiEngine, jobs: readonly { key: string; base: string }[]): Map<string, string> {
  const rule = RULES[engine];
  const wanted = jobs.map((job) => {
    const fixed = rule.fix(job.base);
    const name = fixed ?? job.base;
    return { key: job.key, name, changed: fixed !== undefined || name.length > MAX_LENGTH };
  });
  const count = new Map<string, number>();
  for (const w of wanted) count.set(w.name, (count.get(w.name) ?? 0) + 1);
  const names = new Map<string, string>();
  for (const w of wanted) {
    // A changed name may meet another job's name in another pipeline: it always carries its hash.
    const unique = !w.changed && count.get(w.name) === 1;
    names.set(w.key, unique ? w.name : `${w.name.slice(0, MAX_LENGTH - 9)}-${sha256(w.key).slice(0, 8)}`);
  }
  return names;
}
