/**
 * Defence in depth after a build, before the image is tested, tagged or pushed: the Dockerfile
 * checks read what the builder will run, but should they ever disagree, the image itself must
 * show that it was built on its declared base parent and that the build fetched nothing.
 */
import { ChainError, ExitCode, problem } from '../core/errors.js';
import type { Engine } from '../adapters/engine.js';

/** What the engine prints when a build pulls an image (BuildKit's pulls are told as `[pull] ...` by the trace reader): every image a build uses is pinned by ID, so there is none. */
const PULL = /^(Pulling from |Pulling fs layer|Status: Downloaded newer image for |Status: Image is up to date for |\[pull\] )/;

/** Watches a build's output for pulls: `line` sees every line, `pulled` is the first pull line seen. */
export function pullWatch(): { line(line: string): void; pulled?: string } {
  const watch: { line(line: string): void; pulled?: string } = {
    line: (line) => {
      if (watch.pulled === undefined && PULL.test(line)) watch.pulled = line;
    },
  };
  return watch;
}

/** Whether `layers` begins with every one of `base` (pure). */
export function startsWith(layers: readonly string[], base: readonly string[]): boolean {
  return base.length <= layers.length && base.every((layer, i) => layers[i] === layer);
}

export async function checkBuild(engine: Engine, node: string, imageId: string, pulled: string | undefined, base: { name: string; id: string } | undefined): Promise<void> {
  if (pulled !== undefined) {
    throw new ChainError([problem('E_BUILD_PULLED', `${node}: the build pulled an image ("${pulled}"), though every image it may use is pinned by ID: its Dockerfile reads differently to the builder than to chain`, { hint: 'look for constructs the builder reads as FROM; nothing was tagged or pushed' })], ExitCode.failed);
  }
  if (!base) return;
  const [built, parent] = await Promise.all([engine.inspect(imageId), engine.inspect(base.id)]);
  if (!built || !parent || !startsWith(built.layers, parent.layers)) {
    throw new ChainError([problem('E_BASE_MISMATCH', `${node}: the built image does not start with the layers of its declared base ${base.name}`, { hint: "its final stage was built on another image than its Dockerfile says to chain; nothing was tagged or pushed" })], ExitCode.failed);
  }
}
