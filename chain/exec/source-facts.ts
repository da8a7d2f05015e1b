/** What a build may honestly claim about the source it was built from. */
import type { NodeBuild } from './build-types.js';

/**
 * The commit a node's context was built from, honestly: a team repository's pinned checkout, or
 * HEAD when every file of the context is as HEAD has it; with uncommitted files, no commit is
 * claimed (only the one the work tree is based on, and the files that differ).
 */
export function sourceFacts(build: Pick<NodeBuild, 'node' | 'inputs'>): { gitCommit?: string; uncommitted?: { baseCommit?: string; files: string[] } } {
  const { node, inputs } = build;
  if (node.source?.commit) return { gitCommit: node.source.commit };
  const files = inputs.snapshots[node.name]?.uncommitted ?? [];
  if (files.length > 0) return { uncommitted: { ...(inputs.gitHead ? { baseCommit: inputs.gitHead } : {}), files } };
  return inputs.gitHead ? { gitCommit: inputs.gitHead } : {};
}
