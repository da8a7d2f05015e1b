/**
 * A chain's images in the local engine, for `chain prune`: each with its tags, creation time and
 * whether a container uses it, and removing one tag by tag, the way `docker rmi` does.
 */
import { Labels } from '../core/model.js';
import { isFingerprintTag, tagOf } from '../core/prune.js';
import type { DockerClient } from './engine.js';
import { describe, engineCall, statusOf } from './engine-calls.js';

export interface EngineImage {
  id: string;
  /** RFC 3339, to the nanosecond (the list call gives whole seconds only) */
  created: string;
  /** every `repository:tag` it has, in any repository */
  tags: string[];
  /** a container, running or stopped, was made from it */
  inUse: boolean;
}

/** The chain's images (label dev.chain.chain) that carry a fingerprint tag in some repository. */
export async function engineImages(engine: DockerClient, chain: string): Promise<EngineImage[]> {
  const docker = engine.docker;
  const [images, containers] = await Promise.all([
    engineCall(() => docker.listImages({ filters: JSON.stringify({ label: [`${Labels.chain}=${chain}`] }) })),
    engineCall(() => docker.listContainers({ all: true })),
  ]);
  const used = new Set(containers.map((c) => c.ImageID));
  const out: EngineImage[] = [];
  for (const image of images) {
    // Engine 20.10 lists an untagged image under the placeholder `<none>:<none>`.
    const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    if (!tags.some((t) => isFingerprintTag(tagOf(t)))) continue;
    const created = await engine.created(image.Id);
    if (created) out.push({ id: image.Id, created, tags, inUse: used.has(image.Id) });
  }
  return out;
}

/**
 * deleted: the image is gone; untagged: its tags are, but the engine keeps it as the parent of
 * other images; in-use: a container uses it, the engine refused (it keeps its fingerprint tag);
 * gone: someone removed it first.
 */
export type Removal = { outcome: 'deleted' | 'untagged' | 'gone' } | { outcome: 'in-use'; detail: string };

/**
 * Removes these tags of an image one by one, fingerprint tags last, never by ID and never forced:
 * the engine deletes the image with its last tag, and refuses when a container uses it. Once it is
 * deleted, so is the unlabelled image it was made from, unless `needed` names it (a kept image's).
 */
export async function removeImageTags(engine: DockerClient, id: string, tags: string[], needed: ReadonlySet<string> = new Set()): Promise<Removal> {
  const found = await labelSource(engine, id);
  const source = found && !needed.has(found.Id) ? found : undefined;
  const ordered = [...tags].sort((a, b) => Number(isFingerprintTag(tagOf(a))) - Number(isFingerprintTag(tagOf(b))));
  let removed = 0;
  let deleted = false;
  for (const tag of ordered) {
    if ((await engine.inspect(tag))?.id !== id) continue; // moved or gone since it was listed: not this image's any more
    try {
      const records = (await engineCall(() => engine.docker.getImage(tag).remove())) as { Deleted?: string }[];
      removed += 1;
      deleted ||= records.some((r) => r.Deleted === id);
    } catch (err) {
      if (statusOf(err) === 409) return { outcome: 'in-use', detail: describe(err) };
      if (statusOf(err) !== 404) throw err;
    }
  }
  if (deleted && source) await removeLabelSource(engine, source);
  return { outcome: deleted ? 'deleted' : removed > 0 ? 'untagged' : 'gone' };
}

/** The unlabelled images these images were made from (see labelSource). */
export async function labelSources(engine: DockerClient, ids: string[]): Promise<Set<string>> {
  const sources = new Set<string>();
  for (const id of ids) {
    const source = await labelSource(engine, id);
    if (source) sources.add(source.Id);
  }
  return sources;
}

interface Inspected {
  Id: string;
  RepoTags?: string[] | null;
  Config?: { Image?: string } | null;
  RootFS?: { Layers?: string[] } | null;
}

/**
 * The image a classic build labelled by a loaded config (engine-label.ts) was made from: its config
 * names it (Config.Image), and it holds the very same layers. Undefined for any other image.
 */
async function labelSource(engine: DockerClient, id: string): Promise<Inspected | undefined> {
  const image = await inspectRaw(engine, id);
  const from = image?.Config?.Image;
  if (!image || !from?.startsWith('sha256:') || from === id) return undefined;
  const source = await inspectRaw(engine, from);
  const same = (a?: string[], b?: string[]) => a !== undefined && b !== undefined && a.length === b.length && a.every((l, i) => l === b[i]);
  return source && same(source.RootFS?.Layers, image.RootFS?.Layers) ? source : undefined;
}

/** Once the labelled image is deleted, the unlabelled one it was made from, when nothing tags or uses it (never forced). */
async function removeLabelSource(engine: DockerClient, source: Inspected): Promise<void> {
  if ((source.RepoTags ?? []).some((t) => t !== '<none>:<none>')) return;
  try {
    await engineCall(() => engine.docker.getImage(source.Id).remove());
  } catch (err) {
    // 409: a container or another image still needs it, and the engine keeps it; 404: gone already.
    if (statusOf(err) !== 409 && statusOf(err) !== 404) throw err;
  }
}

async function inspectRaw(engine: DockerClient, ref: string): Promise<Inspected | undefined> {
  try {
    return (await engineCall(() => engine.docker.getImage(ref).inspect())) as Inspected;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
