/**
 * The Docker Engine as the rest of chain sees it: a reader (what plans, lint and custody ask:
 * ping, counts, lookups) and the writes (build, test, tag, push, pull, remove). The reads go
 * through a thin HTTP client (engine-http.ts) when the engine is a plain socket or TCP port; the
 * writes need dockerode, which costs ~0.1 s to load, so LazyEngine loads it only on the first write.
 */
import type { Readable } from 'node:stream';
import type { LocalImage, RebaseLabels } from '../core/inputs.js';
import { Labels } from '../core/model.js';
import { rebaseLabels } from '../core/rebase.js';
import type { Credentials } from './credentials.js';
import type { BuildOptions } from './docker-build.js';
import type { TestOptions, TestResult } from './docker-test-run.js';
import type { EngineRebase } from './engine-rebase.js';
import type Docker from 'dockerode';

/** An image the engine has, as inspected. */
export type InspectedLocalImage = LocalImage & { labels: Record<string, string>; layers: string[]; repoDigests: string[] };

/** A tag of the chain's images: the image's ID, the fingerprint label it carries, and its rebase labels. */
export interface TagEntry {
  id: string;
  fingerprint?: string;
  rebase?: RebaseLabels;
}

/** An image as the engine lists it (GET /images/json). */
export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
}

/** An image as the engine inspects it (GET /images/{name}/json), the fields chain reads. */
export interface ImageInspect {
  Id: string;
  Created?: string;
  RepoDigests?: string[] | null;
  Config?: { Labels?: Record<string, string> | null } | null;
  RootFS?: { Layers?: string[] | null } | null;
}

/** The entry of an image by its ID and labels. */
export function tagEntry(id: string, labels: Readonly<Record<string, string>> | null | undefined): TagEntry {
  const fingerprint = labels?.[Labels.fingerprint];
  const rebase = rebaseLabels(labels ?? undefined);
  return { id, ...(fingerprint ? { fingerprint } : {}), ...(rebase ? { rebase } : {}) };
}

/**
 * Listed images by tag. Keyed by tag, not by label: an untagged intermediate stage inherits its
 * parent's labels, so a label alone does not identify the node's image.
 */
export function tagEntries(images: readonly ImageSummary[]): Map<string, TagEntry> {
  const out = new Map<string, TagEntry>();
  for (const image of images) {
    const entry = tagEntry(image.Id, image.Labels);
    // Engine 20.10 lists an untagged image under the placeholder `<none>:<none>`.
    for (const tag of image.RepoTags ?? []) if (tag !== '<none>:<none>') out.set(tag, entry);
  }
  return out;
}

/** An inspected image as chain keeps it. */
export function localImage(info: ImageInspect): InspectedLocalImage {
  const digest = info.RepoDigests?.[0];
  return { id: info.Id, ...(digest ? { digest } : {}), labels: info.Config?.Labels ?? {}, layers: info.RootFS?.Layers ?? [], repoDigests: info.RepoDigests ?? [] };
}

/** What reading the engine takes. Unreachable: E_ENGINE_UNREACHABLE; an absent image: undefined. */
export interface EngineReader {
  ping(): Promise<void>;
  /** How many images the engine holds (GET /info), to choose how to look tags up. */
  imageCount(): Promise<number>;
  /** The engine's version, for provenance. */
  version(): Promise<string>;
  /** Every tag of the chain's images (one list call; its cost grows with every image of the engine). */
  imagesByTag(chain: string): Promise<Map<string, TagEntry>>;
  /** An image by reference or ID (one exact lookup), or undefined when the engine does not have it. */
  inspect(ref: string): Promise<InspectedLocalImage | undefined>;
  /** When an image was created (RFC 3339), or undefined when the engine does not have it. */
  created(ref: string): Promise<string | undefined>;
  /** IDs of the containers (running or not) carrying all the given labels. */
  containers(labels: string[]): Promise<string[]>;
}

/** Reads and writes. */
export interface Engine extends EngineReader {
  build(context: Readable, opts: BuildOptions): Promise<string>;
  push(repo: string, tag: string, credentials?: Credentials): Promise<string>;
  pull(ref: string, credentials?: Credentials): Promise<string>;
  tag(id: string, repo: string, tag: string): Promise<void>;
  untag(ref: string): Promise<void>;
  runTest(image: string, command: string, opts: TestOptions): Promise<TestResult>;
  /** How many layers and history entries an image has: where the own part of an image built on it begins. */
  shape(ref: string): Promise<{ layers: number; history: number }>;
  /** Makes a rebased image from an earlier one and a new base, both in the engine; returns its ID. */
  rebase(request: EngineRebase): Promise<string>;
  /** Run-unique local tags of exact images, as BuildKit's FROM takes them; release() removes them. */
  parentRefs(chain: string, images: Readonly<Record<string, string>>): Promise<{ refs: Record<string, string>; release(): Promise<void> }>;
  removeContainers(labels: string[]): Promise<number>;
  /** The dockerode-backed engine itself, for the few calls only it makes (prune). */
  client(): Promise<DockerClient>;
}

/** The engine through dockerode (docker.ts), with its client at hand. */
export interface DockerClient extends Engine {
  readonly docker: Docker;
}

/** Reads through `reader` (dockerode's own when there is none); every write loads dockerode first. */
export class LazyEngine implements Engine {
  private loaded?: Promise<DockerClient>;

  constructor(
    private readonly reader: EngineReader | undefined,
    private readonly load: () => Promise<DockerClient>,
  ) {}

  client(): Promise<DockerClient> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  private read(): Promise<EngineReader> {
    return this.reader ? Promise.resolve(this.reader) : this.client();
  }

  ping = async () => (await this.read()).ping();
  imageCount = async () => (await this.read()).imageCount();
  version = async () => (await this.read()).version();
  imagesByTag = async (chain: string) => (await this.read()).imagesByTag(chain);
  inspect = async (ref: string) => (await this.read()).inspect(ref);
  created = async (ref: string) => (await this.read()).created(ref);
  containers = async (labels: string[]) => (await this.read()).containers(labels);

  build = async (context: Readable, opts: BuildOptions) => (await this.client()).build(context, opts);
  push = async (repo: string, tag: string, credentials?: Credentials) => (await this.client()).push(repo, tag, credentials);
  pull = async (ref: string, credentials?: Credentials) => (await this.client()).pull(ref, credentials);
  tag = async (id: string, repo: string, tag: string) => (await this.client()).tag(id, repo, tag);
  untag = async (ref: string) => (await this.client()).untag(ref);
  runTest = async (image: string, command: string, opts: TestOptions) => (await this.client()).runTest(image, command, opts);
  shape = async (ref: string) => (await this.client()).shape(ref);
  rebase = async (request: EngineRebase) => (await this.client()).rebase(request);
  parentRefs = async (chain: string, images: Readonly<Record<string, string>>) => (await this.client()).parentRefs(chain, images);

  /** Lists through the reader; dockerode is loaded only when there is something to remove. */
  async removeContainers(labels: string[]): Promise<number> {
    if (this.reader && (await this.reader.containers(labels)).length === 0) return 0;
    return (await this.client()).removeContainers(labels);
  }
}
