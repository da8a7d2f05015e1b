/**
 * The Docker Engine, through dockerode: the image store (lookups by fingerprint), builds, test
 * containers, tags, pushes and pulls. This class holds the client; builds (docker-build.ts), test
 * runs (docker-test-run.ts), pushes and pulls (docker-push-pull.ts), and engine calls with their
 * failures (engine-calls.ts) live beside it.
 */
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { Labels } from '../core/model.js';
import type { Credentials } from './credentials.js';
import { buildImage, type BuildOptions } from './docker-build.js';
import { pullImage, pushImage, registryHost } from './docker-push-pull.js';
import { runTestContainer, type TestOptions, type TestResult } from './docker-test-run.js';
import { engineCall, statusOf } from './engine-calls.js';
import { localImage, tagEntries, type DockerClient, type InspectedLocalImage, type TagEntry } from './engine.js';
import { rebaseInEngine, type EngineRebase } from './engine-rebase.js';
import { registryDown } from './registry-errors.js';

export { BuildFailedError, buildResult, stepTracker, STEP_TAIL, type BuildOptions, type FailedStep } from './docker-build.js';
export type { TestOptions, TestResult } from './docker-test-run.js';
export type { EngineRebase } from './engine-rebase.js';

export class DockerEngine implements DockerClient {
  readonly docker: Docker;

  constructor(docker?: Docker) {
    this.docker = docker ?? new Docker();
  }

  async ping(): Promise<void> {
    await engineCall(() => this.docker.ping());
  }

  client(): Promise<DockerEngine> {
    return Promise.resolve(this);
  }

  /** How many images the engine holds. */
  async imageCount(): Promise<number> {
    return ((await engineCall(() => this.docker.info())) as { Images?: number }).Images ?? 0;
  }

  /** When an image was created (RFC 3339), or undefined when the engine does not have it. */
  async created(ref: string): Promise<string | undefined> {
    return (await this.inspectRaw(ref))?.Created;
  }

  /** The engine's version, for provenance. */
  async version(): Promise<string> {
    return ((await engineCall(() => this.docker.version())) as { Version: string }).Version;
  }

  /** The chain's images by tag, each with the fingerprint label it carries: one list call instead of one inspect a node. */
  async imagesByTag(chain: string): Promise<Map<string, TagEntry>> {
    return tagEntries(await engineCall(() => this.docker.listImages({ filters: JSON.stringify({ label: [`${Labels.chain}=${chain}`] }) })));
  }

  /** An image by reference or ID, or undefined when the engine does not have it. */
  async inspect(ref: string): Promise<InspectedLocalImage | undefined> {
    const info = await this.inspectRaw(ref);
    return info ? localImage(info) : undefined;
  }

  private async inspectRaw(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await engineCall(() => this.docker.getImage(ref).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Builds an image; a build the engine ran and that failed throws BuildFailedError. */
  build(context: Readable, opts: BuildOptions): Promise<string> {
    return buildImage(this.docker, context, opts);
  }

  /** Run-unique local tags of exact images, as BuildKit's FROM takes them (buildkit/parent-refs.ts). */
  async parentRefs(chain: string, images: Readonly<Record<string, string>>): Promise<{ refs: Record<string, string>; release(): Promise<void> }> {
    const { tagParents } = await import('./buildkit/parent-refs.js');
    return tagParents(this.docker, chain, images);
  }

  /** Pushes repo:tag; returns the manifest digest the registry answered with. */
  push(repo: string, tag: string, credentials?: Credentials): Promise<string> {
    return pushImage(this.docker, repo, tag, credentials);
  }

  /** Pulls an image by reference (repo@sha256:... for a parent a child needs); returns its ID. */
  async pull(ref: string, credentials?: Credentials): Promise<string> {
    await pullImage(this.docker, ref, credentials);
    const image = await this.inspect(ref);
    if (!image) throw registryDown(registryHost(ref), `${ref} is not in the engine after pulling it`);
    return image.id;
  }

  async tag(id: string, repo: string, tag: string): Promise<void> {
    await engineCall(() => this.docker.getImage(id).tag({ repo, tag }));
  }

  /** Removes one tag (repo:tag). Never forced: an image whose last tag it is goes with it, so give it another tag first. */
  async untag(ref: string): Promise<void> {
    try {
      await engineCall(() => this.docker.getImage(ref).remove({ noprune: true }));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  /** How many layers and history entries an image has: where the own part of an image built on it begins. */
  async shape(ref: string): Promise<{ layers: number; history: number }> {
    const image = this.docker.getImage(ref);
    const [info, history] = await Promise.all([engineCall(() => image.inspect()), engineCall(() => image.history() as Promise<unknown[]>)]);
    return { layers: info.RootFS?.Layers?.length ?? 0, history: history.length };
  }

  /** Makes a rebased image from an earlier one and a new base, both in the engine (engine-rebase.ts); returns its ID. */
  rebase(request: EngineRebase): Promise<string> {
    return rebaseInEngine(this.docker, request);
  }

  /** Runs one test command in a new container of the image (see docker-test-run.ts). */
  runTest(image: string, command: string, opts: TestOptions): Promise<TestResult> {
    return runTestContainer(this.docker, image, command, opts);
  }

  /** IDs of the containers carrying all the given labels. */
  async containers(labels: string[]): Promise<string[]> {
    return (await engineCall(() => this.docker.listContainers({ all: true, filters: JSON.stringify({ label: labels }) }))).map((c) => c.Id);
  }

  /** Removes containers carrying all the given labels (test containers a killed run left behind). */
  async removeContainers(labels: string[]): Promise<number> {
    const found = await this.containers(labels);
    await Promise.all(found.map((id) => this.docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    return found.length;
  }
}
