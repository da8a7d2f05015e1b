/**
 * Who may declare `rebase: true`: a node built on exactly one parent, its base (the final stage is
 * built FROM it). Its own layers are then the image's layers after the base's, and they can be
 * placed on a new base as they are. A second parent (FROM or COPY --from another node) puts that
 * parent's content into the node's own layers, and a final stage on another image (scratch, a
 * stage that copies from the parent) has no base layers to replace: rebasing either would be wrong.
 */
import { problem, type Location, type Problem } from '../core/errors.js';
import { finalBase, type DockerfileInfo } from '../core/dockerfile.js';
import type { BuiltNode } from '../core/model.js';

export function checkRebase(node: BuiltNode, info: DockerfileInfo, location: () => Location, problems: Problem[]): void {
  const parents = node.from.map((ref) => ref.node);
  const hint = 'remove rebase: true (the node is rebuilt when its base changes), or build it on its base parent alone';
  if (parents.length !== 1) {
    const what = parents.length === 0 ? 'no parent' : `${parents.length} parents (${parents.join(', ')})`;
    problems.push(problem('E_REBASE_INELIGIBLE', `node ${node.name} declares rebase: true but is built from ${what}: only a node built on a single base parent can be rebased`, { hint, location: location() }));
    return;
  }
  const base = finalBase(info);
  if (base?.toLowerCase() !== parents[0]?.toLowerCase()) {
    problems.push(problem('E_REBASE_INELIGIBLE', `node ${node.name} declares rebase: true but its final stage is built FROM ${base ?? 'scratch'}, not its base parent ${parents[0]}: its own layers do not sit on its parent's`, { hint, location: location() }));
  }
}
