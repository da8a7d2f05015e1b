/**
 * Rebase through the engine's image save and load (no registry): one `docker save` of the earlier
 * image and the new base (one tar, shared layers once) gives both configs and the earlier image's
 * own layer tars; `docker load` of an archive holding only the new config and those own layers
 * makes the new image. Engine 20.10's load looks each layer up by its chain ID first and reads a
 * layer's file only when the engine lacks it, so the new base's layers (in the engine already)
 * need not be in the archive: measured, a load of a 2-layer own part on a 5-layer base takes
 * ~0.1 s, and the save ~0.05 s for a 2 MB base.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ImageConfigJson } from '../core/rebase-config.js';
import { engineCall, followProgress, streamError } from './engine-calls.js';

export interface EngineRebase {
  /** the earlier image (local ID) */
  old: string;
  /** the new base parent (local ID) */
  base: string;
  /** how many of the earlier image's layers are its old base's */
  baseLayers: number;
  /** the new config, from the earlier image's config and the new base's */
  config: (old: ImageConfigJson, base: ImageConfigJson) => ImageConfigJson;
}

interface ManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Makes the rebased image in the engine; returns its ID (the digest of its config). */
export async function rebaseInEngine(docker: Docker, request: EngineRebase): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-rebase-'));
  try {
    const saved = await saveImages(docker, [request.old, request.base], dir);
    const oldEntry = saved.manifest.find((m) => m.Config === `${hex(request.old)}.json`);
    const oldConfig = saved.configs.get(`${hex(request.old)}.json`);
    const baseConfig = saved.configs.get(`${hex(request.base)}.json`);
    if (!oldEntry || !oldConfig || !baseConfig) throw new Error(`rebase: the engine's save of ${request.old} and ${request.base} lacks one of them`);
    const config = Buffer.from(JSON.stringify(request.config(oldConfig, baseConfig)));
    const id = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const baseCount = baseConfig.rootfs?.diff_ids?.length ?? 0;
    const own = oldEntry.Layers.slice(request.baseLayers);
    // The base's layers are named but absent: the engine has them (by chain ID) and never opens them.
    const layers = [...Array.from({ length: baseCount }, (_, i) => `base-${i}/layer.tar`), ...own];
    const manifest: ManifestEntry[] = [{ Config: `${hex(id)}.json`, RepoTags: null, Layers: layers }];
    const pack = tar.pack();
    const load = loadArchive(docker, pack as unknown as NodeJS.ReadableStream);
    load.catch(() => pack.destroy()); // a refused load stops the packing; the error is thrown below
    pack.entry({ name: `${hex(id)}.json` }, config);
    pack.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
    for (const layer of own) {
      const file = saved.layers.get(layer);
      if (!file) throw new Error(`rebase: the save of ${request.old} lacks its layer ${layer}`);
      const entry = pack.entry({ name: layer, size: file.size });
      await pipeline(createReadStream(file.path), entry);
    }
    pack.finalize();
    await load;
    return id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hex = (id: string) => id.replace(/^sha256:/, '');

/** Streams `docker save` of the images: configs and manifest kept in memory, layer tars written to `dir`. */
async function saveImages(docker: Docker, names: string[], dir: string): Promise<{ manifest: ManifestEntry[]; configs: Map<string, ImageConfigJson>; layers: Map<string, { path: string; size: number }> }> {
  // GET /images/get?names=...: dockerode has it, its types do not.
  const save = docker as unknown as { getImages(opts: { names: string[] }): Promise<NodeJS.ReadableStream> };
  const stream = await engineCall(() => save.getImages({ names }));
  const extract = tar.extract();
  const configs = new Map<string, ImageConfigJson>();
  const layers = new Map<string, { path: string; size: number }>();
  let manifest: ManifestEntry[] = [];
  const reading = (async () => {
    let n = 0;
    for await (const entry of extract) {
      const { name, size = 0 } = entry.header;
      if (name.endsWith('/layer.tar')) {
        const file = path.join(dir, `${n++}.tar`);
        await pipeline(entry, createWriteStream(file));
        layers.set(name, { path: file, size });
      } else if (name === 'manifest.json' || /^[0-9a-f]{64}\.json$/.test(name)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (name === 'manifest.json') manifest = json as ManifestEntry[];
        else configs.set(name, json as ImageConfigJson);
      } else entry.resume();
    }
  })();
  await Promise.all([pipeline(stream, extract), reading]);
  return { manifest, configs, layers };
}

/** Loads an archive as it is packed; an error the engine reports inside its answer is thrown. */
async function loadArchive(docker: Docker, archive: NodeJS.ReadableStream): Promise<void> {
  const response = (await engineCall(() => docker.loadImage(archive, { quiet: true }))) as NodeJS.ReadableStream;
  const events = await followProgress(docker, response);
  const error = streamError(events);
  if (error) throw new Error(`rebase: the engine refused the rebased image: ${error}`);
}
