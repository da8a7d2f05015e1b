/**
 * The user an image runs as, read from the Dockerfiles of the chain (pure): the last USER of its
 * final stage, else the user of what that stage is built on: an earlier stage, or a parent node
 * (whose own Dockerfile answers in turn). `scratch` runs as root; an external image's user is
 * not in any Dockerfile, so it is unknown.
 */
import type { NodeDockerfile } from '../config/node.js';
import type { ChainConfig } from '../core/model.js';

export type ImageUser =
  /** a USER instruction decides it */
  | { kind: 'user'; user: string; node: string; file: string; line: number }
  /** nothing sets a user down to `scratch`: root */
  | { kind: 'scratch' }
  /** nothing sets a user down to an external image (or one chain does not know) */
  | { kind: 'unknown'; image: string; node?: string };

export function isRoot(user: string): boolean {
  const name = user.trim().split(':')[0];
  return name === 'root' || name === '0';
}

/** The user the final stage of a built node runs as. */
export function imageUser(config: ChainConfig, dockerfiles: Record<string, NodeDockerfile>, node: string, seen: Set<string> = new Set()): ImageUser {
  const dockerfile = dockerfiles[node];
  if (!dockerfile || seen.has(node)) return { kind: 'unknown', image: node, node };
  // The nodes on the way here: a guard against cycles (reported elsewhere), not a cache.
  const below = new Set(seen).add(node);
  const { info } = dockerfile;
  const stageUsers: ImageUser[] = [];
  const stageNames = new Map<string, number>();
  const froms = info.instructions.filter((i) => i.keyword === 'FROM');
  froms.forEach((from, stage) => {
    const words = from.args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
    if (words[1]?.toLowerCase() === 'as' && words[2]) stageNames.set(words[2].toLowerCase(), stage);
    const last = info.instructions.filter((i) => i.keyword === 'USER' && i.stage === stage).at(-1);
    stageUsers.push(last ? { kind: 'user', user: last.args.trim(), node, file: dockerfile.file, line: last.line } : baseUser(words[0] ?? '', stageNames, stageUsers, stage, config, dockerfiles, below));
  });
  return stageUsers.at(-1) ?? { kind: 'scratch' };
}

/** A stage without USER runs as what it is built on. */
function baseUser(image: string, stageNames: Map<string, number>, stageUsers: ImageUser[], stage: number, config: ChainConfig, dockerfiles: Record<string, NodeDockerfile>, seen: Set<string>): ImageUser {
  const earlier = stageNames.get(image.toLowerCase()) ?? (/^\d+$/.test(image) ? Number(image) : undefined);
  if (earlier !== undefined && earlier < stage) return stageUsers[earlier] ?? { kind: 'unknown', image };
  if (image.toLowerCase() === 'scratch') return { kind: 'scratch' };
  const parent = Object.hasOwn(config.nodes, image) ? config.nodes[image] : undefined;
  if (parent?.kind === 'built') return imageUser(config, dockerfiles, parent.name, seen);
  return { kind: 'unknown', image: parent?.kind === 'external' ? parent.image : image, ...(parent ? { node: parent.name } : {}) };
}
