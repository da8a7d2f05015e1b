/**
 * Labels put on a classic build's image without a build step. The classic builder runs a
 * container for every LABEL instruction (create, mount, commit, remove: ~70 ms an image); here the
 * image built without one gets its labels through a new config, loaded with `docker load` of an
 * archive that holds only that config and a manifest. Engine 20.10's load finds each layer by its
 * chain ID and never opens a layer file the engine has, so none is in the archive (as in
 * engine-rebase.ts): measured, ~5-10 ms. The new config is the image's own, as the engine shows it
 * (inspect and history), with the labels added: same layers, Env, Cmd, history. Its created time
 * is when it was labelled, as a LABEL step's image's would be: a rebuild whose steps all came from
 * the build cache (a patch) is newer than the build it repeats, and prune keeps the newest by it.
 *
 * What the engine's API does not show, and so the new config cannot carry: history times below a
 * second (the history call gives whole seconds), a history entry's author (a MAINTAINER), and
 * which zero-byte history entries made layers when neither the instruction (ENV, USER, ... never
 * do) nor the counts tell: two RUN steps that wrote no bytes, one of them removing a file. In that
 * case labelledConfig answers undefined and the caller labels with a LABEL step instead, as before.
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ImageConfigJson } from '../core/rebase-config.js';
import { Labels } from '../core/model.js';
import { engineCall, followProgress, streamError } from './engine-calls.js';

const [BASE_HISTORY, BASE_LAYERS] = [Labels.baseHistory, Labels.baseLayers];

/** GET /images/{id}/json, the fields a config is made of. */
export interface InspectForConfig {
  Id: string;
  Created: string;
  Comment?: string;
  Container?: string;
  ContainerConfig?: Record<string, unknown> | null;
  DockerVersion?: string;
  Author?: string;
  Config?: { Labels?: Record<string, string> | null; [key: string]: unknown } | null;
  Architecture?: string;
  Variant?: string;
  Os?: string;
  OsVersion?: string;
  RootFS?: { Type?: string; Layers?: string[] | null } | null;
}

/** GET /images/{id}/history: one entry, newest first; Id names the image the entry made, when the engine still has it (else `<missing>`). */
export interface HistoryItem {
  Id?: string;
  Created: number;
  CreatedBy?: string;
  Comment?: string;
  Size: number;
}

/**
 * Instructions that only set config, as the classic builder (`/bin/sh -c #(nop)  ENV ...`, its
 * container never started) and BuildKit (`ENV ...`) write them in history: never a layer.
 */
const METADATA_ONLY = /^(\/bin\/sh -c #\(nop\) +)?(ENV|LABEL|CMD|ENTRYPOINT|EXPOSE|VOLUME|USER|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL|MAINTAINER)\b/;

/** The first `entries` history entries of an image made its first `layers` layers. */
export interface Checkpoint {
  entries: number;
  layers: number;
}

const sorted = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The image's config with the labels added over its own (as a LABEL instruction at the end of its
 * Dockerfile would), or undefined when its history cannot be written back exactly enough: which
 * zero-byte entries made layers is not decided by the counts. Pure; keys in the engine's order
 * (sorted, as Go writes maps).
 */
export function labelledConfig(
  image: InspectForConfig,
  newestFirst: readonly HistoryItem[],
  labels: Readonly<Record<string, string>>,
  /** known prefixes: the first `entries` history entries made the first `layers` layers (the images it was built on) */
  checkpoints: readonly Checkpoint[] = [],
  /** when the labelled image is made (RFC 3339) */
  created = image.Created,
): ImageConfigJson | undefined {
  const layers = image.RootFS?.Layers ?? [];
  const items = [...newestFirst].reverse();
  const points = [{ entries: 0, layers: 0 }, ...checkpoints.filter((c) => c.entries > 0 && c.entries < items.length), { entries: items.length, layers: layers.length }].sort((a, b) => a.entries - b.entries);
  const empty = new Set<HistoryItem>();
  for (let i = 1; i < points.length; i++) {
    const [from, to] = [points[i - 1] as Checkpoint, points[i] as Checkpoint];
    const part = items.slice(from.entries, to.entries);
    // An entry with bytes made a layer; a zero-byte one did not when it only set metadata, and may
    // have otherwise (a WORKDIR that made its folder, a RUN that only removed files).
    const unknown = part.filter((h) => h.Size === 0 && !METADATA_ONLY.test(h.CreatedBy ?? ''));
    const missing = to.layers - from.layers - part.filter((h) => h.Size > 0).length; // layers made by zero-byte entries
    if (missing < 0 || (missing > 0 && missing !== unknown.length)) return undefined;
    for (const h of part) if (h.Size === 0 && (missing === 0 || !unknown.includes(h))) empty.add(h);
  }
  const history = items.map((h) => ({
    created: new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
    ...(h.CreatedBy ? { created_by: h.CreatedBy } : {}),
    ...(h.Comment ? { comment: h.Comment } : {}),
    ...(empty.has(h) ? { empty_layer: true } : {}),
  }));
  const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
  return {
    architecture: image.Architecture ?? 'amd64',
    ...optional('author', image.Author),
    ...optional('comment', image.Comment),
    // Image: the image it was made from, as the config of a LABEL step's image names the step before.
    config: { ...image.Config, Image: image.Id, Labels: sorted({ ...(image.Config?.Labels ?? {}), ...labels }) },
    ...optional('container', image.Container),
    ...(image.ContainerConfig ? { container_config: image.ContainerConfig } : {}),
    created,
    ...optional('docker_version', image.DockerVersion),
    history,
    os: image.Os ?? 'linux',
    ...optional('os.version', image.OsVersion),
    rootfs: { type: image.RootFS?.Type ?? 'layers', diff_ids: layers },
    ...optional('variant', image.Variant),
  };
}

/**
 * All labels in one LABEL instruction (each `labels` build option would cost a step of its own):
 * how a BuildKit build carries them (no container there), and a classic build's fallback.
 */
export function labelInstruction(labels: Readonly<Record<string, string>>): string {
  const quote = (text: string) => JSON.stringify(text).replace(/\$/g, '\\$');
  return `LABEL ${Object.entries(labels)
    .map(([key, value]) => `${quote(key)}=${quote(value)}`)
    .join(' \\\n      ')}`;
}

/** The labelled image, loaded into the engine; its ID, or undefined when labelledConfig cannot write its config. */
export async function labelInEngine(docker: Docker, id: string, labels: Readonly<Record<string, string>>): Promise<string | undefined> {
  const image = docker.getImage(id);
  const [info, history] = await Promise.all([engineCall(() => image.inspect() as Promise<InspectForConfig>), engineCall(() => image.history() as Promise<HistoryItem[]>)]);
  const config = labelledConfig(info, history, labels, await checkpoints(docker, history), labellingTime(info.Created));
  if (!config) return undefined;
  const bytes = Buffer.from(JSON.stringify(config));
  const hex = createHash('sha256').update(bytes).digest('hex');
  const count = config.rootfs?.diff_ids?.length ?? 0;
  // The layers are named but absent: the engine has every one of them (by chain ID) and never opens them.
  const manifest = [{ Config: `${hex}.json`, RepoTags: null, Layers: Array.from({ length: count }, (_, i) => `${i}/layer.tar`) }];
  const pack = tar.pack();
  pack.entry({ name: `${hex}.json` }, bytes);
  pack.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
  pack.finalize();
  const response = (await engineCall(() => docker.loadImage(pack as unknown as NodeJS.ReadableStream, { quiet: true }))) as NodeJS.ReadableStream;
  const events = await followProgress(docker, response);
  const error = streamError(events);
  if (error) throw new Error(`labels: the engine refused the labelled config of ${id}: ${error}`);
  if (!events.some((e) => e.stream?.includes(`sha256:${hex}`))) throw new Error(`labels: the engine's load of the labelled config of ${id} did not name sha256:${hex}`);
  return `sha256:${hex}`;
}

/** Now, or the built image's own time when it is later (an engine whose clock is ahead of this one's). */
function labellingTime(built: string): string {
  const now = new Date();
  return Date.parse(built) >= now.getTime() ? built : now.toISOString();
}

/**
 * Where the images an image was built on end in its history: each entry the engine names an
 * image for (the build's steps and the FROM image), and, up the chain's labels (base-history,
 * base-layers, base.digest), each parent's own parent while the engine has it.
 */
async function checkpoints(docker: Docker, newestFirst: readonly HistoryItem[]): Promise<Checkpoint[]> {
  type Seen = { Id: string; RootFS?: { Layers?: string[] | null } | null; Config?: { Labels?: Record<string, string> | null } | null };
  const inspect = (id: string) => engineCall(() => docker.getImage(id).inspect() as Promise<Seen>).catch(() => undefined);
  const named = newestFirst.map((h, i) => ({ id: h.Id ?? '', entries: newestFirst.length - i })).filter((h) => h.id.startsWith('sha256:'));
  const seen = await Promise.all(named.map(async (h) => ({ ...h, image: await inspect(h.id) })));
  const out: Checkpoint[] = seen.flatMap((h) => (h.image ? [{ entries: h.entries, layers: h.image.RootFS?.Layers?.length ?? 0 }] : []));
  let next = seen.at(-1)?.image;
  for (let depth = 0; next && depth < 32; depth++) {
    const labels = next.Config?.Labels ?? {};
    const [entries, layers] = [Number(labels[BASE_HISTORY]), Number(labels[BASE_LAYERS])];
    if (!Number.isInteger(entries) || !Number.isInteger(layers)) break;
    out.push({ entries, layers });
    const base = labels['org.opencontainers.image.base.digest'];
    next = base?.startsWith('sha256:') ? await inspect(base) : undefined; // a registry digest is no local image: the walk ends
  }
  return out;
}

