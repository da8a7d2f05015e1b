/**
 * The engine reader over node:http: the few read calls plans, lint and custody make, on a
 * kept-alive agent, without loading dockerode. Failures read as dockerode's do: a connection
 * failure becomes E_ENGINE_UNREACHABLE (engine-calls.ts), an HTTP error carries statusCode and
 * the engine's JSON message, a 404 on an image is undefined.
 */
import http from 'node:http';
import { Labels } from '../core/model.js';
import { rebaseLabels } from '../core/rebase.js';
import type { EngineReader, InspectedLocalImage, TagEntry } from './engine.js';
import type { EngineEndpoint } from './engine-host.js';
import { engineCall, statusOf } from './engine-calls.js';

/** Requests at once on one engine: its API answers an exact lookup in ~0.3 ms, so a few sockets suffice. */
export const ENGINE_SOCKETS = 8;

/** An HTTP error as docker-modem shapes it (statusCode, json), so engine-calls.ts reads both alike. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
    body: string,
  ) {
    super(`(HTTP code ${statusCode}) ${json?.message ?? body}`.trim());
  }
}

interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
}

interface ImageInspect {
  Id: string;
  Created?: string;
  RepoDigests?: string[] | null;
  Config?: { Labels?: Record<string, string> | null } | null;
  RootFS?: { Layers?: string[] | null } | null;
}

export class HttpEngineReader implements EngineReader {
  private readonly agent: http.Agent;

  constructor(readonly endpoint: EngineEndpoint) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: ENGINE_SOCKETS });
  }

  async ping(): Promise<void> {
    await this.get('/_ping');
  }

  async imageCount(): Promise<number> {
    return ((await this.json('/info')) as { Images?: number }).Images ?? 0;
  }

  async version(): Promise<string> {
    return ((await this.json('/version')) as { Version: string }).Version;
  }

  async imagesByTag(chain: string): Promise<Map<string, TagEntry>> {
    const images = (await this.json(`/images/json?${query({ filters: JSON.stringify({ label: [`${Labels.chain}=${chain}`] }) })}`)) as ImageSummary[];
    const out = new Map<string, TagEntry>();
    for (const image of images) {
      const fingerprint = image.Labels?.[Labels.fingerprint];
      const rebase = rebaseLabels(image.Labels ?? undefined);
      // Engine 20.10 lists an untagged image under the placeholder `<none>:<none>`.
      for (const tag of image.RepoTags ?? []) if (tag !== '<none>:<none>') out.set(tag, { id: image.Id, ...(fingerprint ? { fingerprint } : {}), ...(rebase ? { rebase } : {}) });
    }
    return out;
  }

  async inspect(ref: string): Promise<InspectedLocalImage | undefined> {
    const info = await this.inspectRaw(ref);
    if (!info) return undefined;
    const digest = info.RepoDigests?.[0];
    return { id: info.Id, ...(digest ? { digest } : {}), labels: info.Config?.Labels ?? {}, layers: info.RootFS?.Layers ?? [], repoDigests: info.RepoDigests ?? [] };
  }

  async created(ref: string): Promise<string | undefined> {
    return (await this.inspectRaw(ref))?.Created;
  }

  async containers(labels: string[]): Promise<string[]> {
    const found = (await this.json(`/containers/json?${query({ all: 'true', filters: JSON.stringify({ label: labels }) })}`)) as { Id: string }[];
    return found.map((c) => c.Id);
  }

  private async inspectRaw(ref: string): Promise<ImageInspect | undefined> {
    try {
      // The reference goes into the path as it is, as dockerode puts it (the engine routes /images/{name:.*}/json).
      return (await this.json(`/images/${ref}/json`)) as ImageInspect;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async json(path: string): Promise<unknown> {
    return JSON.parse(await this.get(path)) as unknown;
  }

  /** One GET; the body of a 2xx answer, else an EngineHttpError; a failed connection: E_ENGINE_UNREACHABLE. */
  private get(path: string): Promise<string> {
    const where = this.endpoint.kind === 'unix' ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port };
    return engineCall(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = http.request({ ...where, path, method: 'GET', agent: this.agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) return resolve(body);
              reject(new EngineHttpError(status, parseMessage(body), body));
            });
          });
          req.on('error', reject);
          req.end();
        }),
    );
  }
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function parseMessage(body: string): { message?: string } | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as { message?: string }) : undefined;
  } catch {
    return undefined;
  }
}
