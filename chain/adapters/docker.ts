/**
 * The Docker Engine, through dockerode: the image store (lookups by fingerprint), builds, tags.
 * Engine errors become ChainErrors with one clear line; a failed build is caught both where the
 * engine reports it (a rejected request, or an errorDetail inside an HTTP 200 stream).
 */
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { ChainError, ExitCode, problem } from '../core/errors.js';
import type { LocalImage } from '../core/inputs.js';
import { Labels } from '../core/model.js';
import { registryDown, registryRefused, type Credentials } from './registry.js';

export interface BuildOptions {
  dockerfile: string;
  buildargs: Record<string, string>;
  nocache?: boolean;
  signal?: AbortSignal;
  /** each line of build output, as the engine sends it */
  onLine?: (line: string) => void;
}

/** A build that the engine ran and that failed: the node fails, the run goes on. */
export class BuildFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildFailedError';
  }
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string };
}

/** The X-Registry-Auth the engine wants for a push or pull; `{}` without credentials (it needs one). */
function authconfig(host: string, credentials: Credentials | undefined): Record<string, string> {
  return credentials ? { username: credentials.username, password: credentials.password, serveraddress: host } : {};
}

/** The engine relays registry failures as text: tell refused credentials from a registry that is down. */
function registryError(host: string, message: string): ChainError {
  return /unauthori[sz]ed|authentication required|denied|401|403/i.test(message) ? registryRefused(host, /403|denied/i.test(message) ? 403 : 401) : registryDown(host, message);
}

/** The image ID of a build stream's events, or the engine's error (pure; tested on fixtures). */
export function buildResult(events: ProgressEvent[]): { id: string } | { error: string } {
  const failed = events.find((e) => e.errorDetail || e.error);
  if (failed) return { error: (failed.errorDetail?.message ?? failed.error ?? 'build failed').trim() };
  // Multi-stage builds report one ID per stage: the last is the image.
  const id = events.filter((e) => e.aux?.ID).at(-1)?.aux?.ID;
  return id ? { id } : { error: 'the engine finished the build without reporting an image ID' };
}

const unreachable = (detail: string) =>
  new ChainError(
    [problem('E_ENGINE_UNREACHABLE', `cannot reach the Docker Engine (${detail})`, { hint: 'start it (scripts/setup does), or point DOCKER_HOST at a running engine' })],
    ExitCode.environment,
  );

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE';
}

/** Status code of a dockerode HTTP error, if it is one. */
function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function describe(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string; code?: string };
  return (e.json?.message ?? e.message ?? e.code ?? String(err)).split('\n')[0] as string;
}

export class DockerEngine {
  readonly docker: Docker;

  constructor(docker?: Docker) {
    this.docker = docker ?? new Docker();
  }

  /** Runs an engine call; connection failures become E_ENGINE_UNREACHABLE. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isConnectionError(err)) throw unreachable(describe(err));
      throw err;
    }
  }

  async ping(): Promise<void> {
    await this.call(() => this.docker.ping());
  }

  /** When an image was created (RFC 3339), or undefined when the engine does not have it. */
  async created(ref: string): Promise<string | undefined> {
    try {
      return (await this.call(() => this.docker.getImage(ref).inspect())).Created;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** The engine's version, for provenance. */
  async version(): Promise<string> {
    return ((await this.call(() => this.docker.version())) as { Version: string }).Version;
  }

  /**
   * The chain's images by tag, each with the fingerprint label it carries: one list call instead of
   * one inspect a node. Keyed by tag, not by label: an untagged intermediate stage inherits its
   * parent's labels, so a label alone does not identify the node's image.
   */
  async imagesByTag(chain: string): Promise<Map<string, { id: string; fingerprint?: string }>> {
    const images = await this.call(() => this.docker.listImages({ filters: JSON.stringify({ label: [`${Labels.chain}=${chain}`] }) }));
    const out = new Map<string, { id: string; fingerprint?: string }>();
    for (const image of images) {
      const fingerprint = image.Labels?.[Labels.fingerprint];
      // Engine 20.10 lists an untagged image under the placeholder `<none>:<none>`.
      for (const tag of image.RepoTags ?? []) if (tag !== '<none>:<none>') out.set(tag, { id: image.Id, ...(fingerprint ? { fingerprint } : {}) });
    }
    return out;
  }

  /** An image by reference or ID, or undefined when the engine does not have it. */
  async inspect(ref: string): Promise<(LocalImage & { labels: Record<string, string>; layers: string[]; repoDigests: string[] }) | undefined> {
    try {
      const info = await this.call(() => this.docker.getImage(ref).inspect());
      const digest = info.RepoDigests?.[0];
      return { id: info.Id, ...(digest ? { digest } : {}), labels: info.Config?.Labels ?? {}, layers: info.RootFS?.Layers ?? [], repoDigests: info.RepoDigests ?? [] };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async build(context: Readable, opts: BuildOptions): Promise<string> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.call(() =>
        this.docker.buildImage(context, {
          dockerfile: opts.dockerfile,
          buildargs: opts.buildargs,
          rm: true,
          forcerm: true,
          nocache: opts.nocache ?? false,
          ...(opts.signal ? { abortSignal: opts.signal } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof ChainError || opts.signal?.aborted) throw err;
      // Rejected before building: Dockerfile parse errors (400), bad references, missing files (500).
      throw new BuildFailedError(describe(err));
    }
    // The classic builder names each step's image (" ---> <id>") and container ("Running in
    // <id>"); on cancellation the engine removes the container only some time after we hang up,
    // so we remove it ourselves.
    let stepContainer: string | undefined;
    let stepImage: string | undefined;
    const events = await new Promise<ProgressEvent[]>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, result: ProgressEvent[]) => {
          if (!err) return resolve(result);
          // A cancelled build ends its stream too: that is the cancellation, not a lost engine.
          if (!opts.signal?.aborted) return reject(isConnectionError(err) ? unreachable(describe(err)) : err);
          void this.removeStepContainers(stepContainer, stepImage).then(() => reject(opts.signal?.reason));
        },
        (event: ProgressEvent) => {
          const text = event.stream ?? event.status ?? event.errorDetail?.message ?? '';
          for (const line of text.split('\n')) {
            if (line.trim() === '') continue;
            stepContainer = /Running in ([0-9a-f]{12,64})/.exec(line)?.[1] ?? stepContainer;
            stepImage = /^ ---> ([0-9a-f]{12,64})$/.exec(line)?.[1] ?? stepImage;
            opts.onLine?.(stripAnsi(line));
          }
        },
      );
    });
    const result = buildResult(events);
    if ('error' in result) throw new BuildFailedError(result.error);
    return result.id;
  }

  /**
   * After a cancelled build: removes the step's container, named or not yet named in the stream
   * (created from the step's image), until none is left or a short while has passed.
   */
  private async removeStepContainers(container: string | undefined, image: string | undefined): Promise<void> {
    const remove = (id: string) => this.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    if (container) await remove(container);
    if (!image) return;
    for (let attempt = 0, quiet = 0; attempt < 20 && quiet < 2; attempt++) {
      const left = await this.docker.listContainers({ all: true, filters: JSON.stringify({ ancestor: [image] }) }).catch(() => []);
      quiet = left.length === 0 ? quiet + 1 : 0;
      await Promise.all(left.map((c) => remove(c.Id)));
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Pushes repo:tag; returns the manifest digest the registry answered with. */
  async push(repo: string, tag: string, credentials?: Credentials): Promise<string> {
    const host = repo.split('/')[0] as string;
    const stream = await this.call(() => this.docker.getImage(`${repo}:${tag}`).push({ tag, authconfig: authconfig(host, credentials) }));
    const events = await this.follow(stream);
    const failed = events.find((e) => e.errorDetail || e.error);
    if (failed) throw registryError(host, (failed.errorDetail?.message ?? failed.error ?? '').trim());
    const digest = events.map((e) => (e.aux as { Digest?: string } | undefined)?.Digest).find(Boolean);
    if (!digest) throw registryDown(host, `the push of ${repo}:${tag} reported no digest`);
    return digest;
  }

  /** Pulls an image by reference (repo@sha256:... for a parent a child needs); returns its ID. */
  async pull(ref: string, credentials?: Credentials): Promise<string> {
    const host = ref.split('/')[0] as string;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.call(() => this.docker.pull(ref, { authconfig: authconfig(host, credentials) }) as Promise<NodeJS.ReadableStream>);
    } catch (err) {
      if (err instanceof ChainError) throw err;
      throw registryError(host, describe(err));
    }
    const failed = (await this.follow(stream)).find((e) => e.errorDetail || e.error);
    if (failed) throw registryError(host, (failed.errorDetail?.message ?? failed.error ?? '').trim());
    const image = await this.inspect(ref);
    if (!image) throw registryDown(host, `${ref} is not in the engine after pulling it`);
    return image.id;
  }

  private follow(stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
    return new Promise((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null, result: ProgressEvent[]) => (err ? reject(isConnectionError(err) ? unreachable(describe(err)) : err) : resolve(result))),
    );
  }

  async tag(id: string, repo: string, tag: string): Promise<void> {
    await this.call(() => this.docker.getImage(id).tag({ repo, tag }));
  }

  /**
   * Runs one test command with /bin/sh -c in a new container of the image: no network unless
   * asked, a time limit, and the container removed whatever happens.
   */
  async runTest(image: string, command: string, opts: TestOptions): Promise<TestResult> {
    const container = await this.call(() =>
      this.docker.createContainer({
        Image: image,
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: [command],
        Tty: false,
        Labels: opts.labels,
        HostConfig: { NetworkMode: opts.network ?? 'none' },
      }),
    );
    let timedOut = false;
    const kill = () => void container.kill().catch(() => undefined);
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    try {
      await this.call(() => container.start());
      const { StatusCode } = (await this.call(() => container.wait())) as { StatusCode: number };
      const logs = (await this.call(() => container.logs({ stdout: true, stderr: true, follow: false }))) as unknown as Buffer;
      for (const line of demuxLogs(logs)) opts.onLine?.(line);
      return { exitCode: StatusCode, timedOut };
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /** Removes containers carrying all the given labels (test containers a killed run left behind). */
  async removeContainers(labels: string[]): Promise<number> {
    const found = await this.call(() => this.docker.listContainers({ all: true, filters: JSON.stringify({ label: labels }) }));
    await Promise.all(found.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    return found.length;
  }
}

export interface TestOptions {
  timeoutMs: number;
  labels: Record<string, string>;
  network?: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export interface TestResult {
  exitCode: number;
  timedOut: boolean;
}

/**
 * Lines of a non-TTY container log: frames of an 8-byte header (stream type, 3 zero bytes,
 * big-endian length) and a payload (pure; tested on fixtures).
 */
export function demuxLogs(buf: Buffer): string[] {
  let text = '';
  for (let offset = 0; offset + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(offset + 4);
    text += buf.subarray(offset + 8, offset + 8 + length).toString('utf8');
    offset += 8 + length;
  }
  return text.split('\n').filter((l) => l !== '');
}

function stripAnsi(s: string): string {
  // The classic builder wraps stderr in ESC[91m ... ESC[0m.
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}
