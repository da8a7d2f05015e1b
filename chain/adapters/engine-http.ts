/**
 * The engine reader over node:http: the few read calls plans, lint and custody make, on a
 * kept-alive agent, without loading dockerode. Failures read as dockerode's do: a connection
 * failure becomes E_ENGINE_UNREACHABLE (engine-calls.ts), an HTTP error carries statusCode and
 * the engine's JSON message, a 404 on an image is undefined.
 */
import http from 'node:http';
import { Labels } from '../core/model.js';
import { localImage, tagEntries, type EngineReader, type ImageInspect, type ImageSummary, type InspectedLocalImage, type TagEntry } from './engine.js';
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
    return tagEntries((await this.json(`/images/json?${query({ filters: JSON.stringify({ label: [`${Labels.chain}=${chain}`] }) })}`)) as ImageSummary[]);
  }

  async inspect(ref: string): Promise<InspectedLocalImage | undefined> {
    const info = await this.inspectRaw(ref);
    return info ? localImage(info) : undefined;
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
    // servername '': no TLS here, and Node's agent would otherwise test the host name against its IPv6
    // pattern on the first request (about 10 ms to compile).
    const where = this.endpoint.kind === 'unix' ? { socketPath: this.endpoint.socketPath, servername: '' } : { host: this.endpoint.host, port: this.endpoint.port, servername: '' };
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
