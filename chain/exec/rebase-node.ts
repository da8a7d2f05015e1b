/**
 * A node's new image by rebase (the plan's action `rebase`): the earlier image's own layers on its
 * base parent's new image, with its config's rootfs, history and labels updated; no step runs.
 * With a registry and --push, through the registry's API (registry-rebase.ts: blobs mounted, a
 * new config and manifest put, nothing pulled or pushed twice), then pulled by digest for its
 * tests; otherwise through the engine's save and load (adapters/engine-rebase.ts).
 */
import { rebasedConfig, type ImageConfigJson } from '../core/rebase-config.js';
import type { LocalImage } from '../core/inputs.js';
import type { RebasePlan } from '../core/plan.js';
import type { NodeBuild } from './build-types.js';
import { imageLabels } from './labels.js';
import { rebaseInRegistry } from './registry-rebase.js';

/** The rebased image: its local ID, and its manifest (staged in the registry) when made there. */
export interface Rebased {
  imageId: string;
  /** host/repo@sha256:... of its manifest under the staging tag, when rebased through the registry */
  staged?: string;
  /** what it was rebased from and onto, for its provenance */
  from: string;
  onto: string;
  /** made in the registry and not pulled: the node has no test to run on it */
  remote?: true;
}

/** The earlier image is no longer where the plan saw it: the node is rebuilt instead. */
export class RebaseUnavailable extends Error {}

export async function rebaseImage(build: NodeBuild, onLine: (line: string) => void): Promise<Rebased> {
  const rebase = build.plan.rebase as RebasePlan;
  const parent = build.parents[rebase.parent];
  if (!parent) throw new Error(`rebase: ${build.node.name} has no image of its base parent ${rebase.parent}`);
  const previous = rebase.from;
  const labelsFor = (base: ImageConfigJson) => imageLabels(build, { layers: base.rootfs?.diff_ids?.length ?? 0, history: base.history?.length ?? 0 });
  const configFor = (old: ImageConfigJson, base: ImageConfigJson) => rebasedConfig(old, base, previous, labelsFor(base));
  if (build.publish && previous.image.digest && parent.digest) {
    // Pulled only for its tests: a rebase with none moves nothing through the engine.
    const made = await rebaseInRegistry(build, build.publish, { from: previous.image.digest, onto: parent.digest, configFor, pull: build.node.test.length > 0 }, onLine);
    onLine(`# rebased ${previous.image.digest} onto ${rebase.parent} ${parent.digest}: ${made.staged}`);
    return { imageId: made.imageId, staged: made.staged, from: previous.image.digest, onto: parent.digest, ...(made.pulled ? {} : { remote: true as const }) };
  }
  let old = previous.image.id;
  if (!old || !(await build.engine.inspect(old))) {
    if (!previous.image.digest) throw new RebaseUnavailable(`the image ${previous.image.id ?? '?'} it would be rebased from is no longer in the engine`);
    old = await build.engine.pull(previous.image.digest, build.publish?.credentials);
  }
  const base = (await build.localParents())[rebase.parent] as LocalImage;
  const imageId = await build.engine.rebase({ old, base: base.id, baseLayers: previous.baseLayers, config: configFor });
  onLine(`# rebased ${old} onto ${rebase.parent} ${base.id}: ${imageId}`);
  return { imageId, from: previous.image.digest ?? old, onto: base.digest ?? base.id };
}
