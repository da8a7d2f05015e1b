/**
 * BuildKit does not take a bare image ID in FROM, and a tag it cannot find locally makes it ask
 * a registry. So each parent gets a tag that no one else uses and that exists only for this
 * build, pointing at the exact image: the engine's local image store answers it, nothing is
 * resolved remotely, and no mutable tag is ever read.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { engineCall } from '../engine-calls.js';

/** The run-unique local reference of a parent (pure but for `unique`). */
export function parentRef(chain: string, parent: string, unique: string): string {
  return `chain-parent-${chain}/${parent}:${unique}`;
}

/** Tags every parent image (name -> image ID); release() removes those tags again. */
export async function tagParents(docker: Docker, chain: string, images: Readonly<Record<string, string>>): Promise<{ refs: Record<string, string>; release(): Promise<void> }> {
  const unique = `run-${randomBytes(8).toString('hex')}`;
  const refs: Record<string, string> = {};
  const release = async () => {
    for (const ref of Object.values(refs)) {
      // Untag only: were our tag the image's last reference, removing it would delete the image.
      const info = await docker.getImage(ref).inspect().catch(() => undefined);
      if (info && (info.RepoTags ?? []).length + (info.RepoDigests ?? []).length > 1) await docker.getImage(ref).remove({ noprune: true }).catch(() => undefined);
    }
  };
  try {
    for (const [name, id] of Object.entries(images)) {
      const ref = parentRef(chain, name, unique);
      const [repo, tag] = ref.split(':') as [string, string];
      await engineCall(() => docker.getImage(id).tag({ repo, tag }));
      refs[name] = ref;
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { refs, release };
}
