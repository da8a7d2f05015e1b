/**
 * A container registry, through its HTTP API (distribution's /v2/), with Node's own fetch: tags,
 * manifest digests and image labels, so that the registry can be the image store that decides
 * freshness, and external images resolve to a digest. Credentials are given by the caller (see
 * credentials.ts); signing in is registry-auth.ts's.
 */
import { createHash } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { RegistryAuth, tokenScope } from './registry-auth.js';
import { deletesDisabled, registryDown, registryRefused } from './registry-errors.js';
import { retryWhile, SERVER_ERROR_RETRY, type RetryPolicy } from './retry.js';

export { dockerCredentials, type Credentials } from './credentials.js';
export { bearerChallenge } from './registry-auth.js';
export { registryDown, registryRefused } from './registry-errors.js';

/** A registry reference: host (with port) and repository prefix, from chain.yaml's `registry:`. */
export function parseRegistry(value: string): { host: string; prefix: string } {
  const [host = '', ...rest] = value.replace(/\/+$/, '').split('/');
  return { host, prefix: rest.join('/') };
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The parts of an image manifest (OCI or Docker v2) chain reads. */
export interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface RemoteManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** the exact bytes, which the digest is of */
  bytes: Buffer;
  json: ManifestJson;
}

export const sha256Digest = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class RegistryClient {
  private readonly base: string;
  private readonly auth: RegistryAuth;

  /** Credentials are the caller's to find (dockerCredentials): the client reads nothing by itself. */
  constructor(
    readonly host: string,
    credentials: Credentials | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
    /** how a write the registry answers with HTTP 500 is retried */
    private readonly retry: RetryPolicy = SERVER_ERROR_RETRY,
  ) {
    // The registries chain talks to on loopback speak plain HTTP, as the engine allows there.
    this.base = `${/^(localhost|127\.|\[::1\])/.test(host) ? 'http' : 'https'}://${host}/v2/`;
    this.auth = new RegistryAuth(host, credentials, fetchImpl);
  }

  private async request(pathname: string, init: { method?: string; accept?: string; contentType?: string; body?: Buffer | string } = {}): Promise<Response> {
    const url = new URL(pathname, this.base);
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = {};
    if (init.accept) headers.accept = init.accept;
    if (init.contentType) headers['content-type'] = init.contentType;
    const send = async (authorization: string | undefined): Promise<Response> => {
      try {
        return await this.fetchImpl(url, { method, headers: { ...headers, ...(authorization ? { authorization } : {}) }, ...(init.body !== undefined ? { body: init.body } : {}) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw registryDown(this.host, cause?.code ?? cause?.message ?? (err as Error).message);
      }
    };
    const first = await this.auth.first(tokenScope(url.pathname, method));
    let response = await send(first);
    // Token authentication: a Bearer challenge is answered once, with a token for its scope.
    const again = response.status === 401 ? await this.auth.retry(response, first) : undefined;
    if (again) {
      await response.body?.cancel(); // frees the connection for the next request
      response = await send(again);
    }
    if (response.status === 401 || response.status === 403) throw registryRefused(this.host, response.status);
    return response;
  }

  async ping(): Promise<void> {
    const r = await this.request('');
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status}`);
  }

  /** A repository's tags ([] when it does not exist yet). */
  async tags(repository: string): Promise<string[]> {
    const r = await this.request(`${repository}/tags/list`);
    if (r.status === 404) return [];
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status} listing ${repository}`);
    return ((await r.json()) as { tags?: string[] | null }).tags ?? [];
  }

  /** The manifest a tag or digest names (media type, digest, size) from a HEAD request, or undefined. */
  async describe(repository: string, reference: string): Promise<Descriptor | undefined> {
    const r = await this.request(`${repository}/manifests/${reference}`, { method: 'HEAD', accept: MANIFEST_TYPES });
    if (r.status === 404) return undefined;
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status} for ${repository}:${reference}`);
    const digest = r.headers.get('docker-content-digest');
    if (!digest) throw registryDown(this.host, `no digest for ${repository}:${reference}`);
    return { mediaType: r.headers.get('content-type') ?? '', digest, size: Number(r.headers.get('content-length') ?? 0) };
  }

  /** The manifest digest a tag points to, or undefined when there is no such tag. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    return (await this.describe(repository, reference))?.digest;
  }

  /** A manifest by tag or digest, with its digest, media type and exact bytes; undefined when there is none. */
  async manifest(repository: string, reference: string): Promise<RemoteManifest | undefined> {
    const r = await this.request(`${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES });
    if (r.status === 404) return undefined;
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status} for ${repository}:${reference}`);
    const bytes = Buffer.from(await r.arrayBuffer());
    const digest = r.headers.get('docker-content-digest') ?? sha256Digest(bytes);
    return { digest, mediaType: r.headers.get('content-type') ?? '', size: bytes.length, bytes, json: JSON.parse(bytes.toString('utf8')) as ManifestJson };
  }

  /** A blob's bytes, or undefined when the repository does not have it. */
  async blob(repository: string, digest: string): Promise<Buffer | undefined> {
    const r = await this.request(`${repository}/blobs/${digest}`);
    if (r.status === 404) return undefined;
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status} reading ${repository}@${digest}`);
    return Buffer.from(await r.arrayBuffer());
  }

  /** Whether the repository holds a blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const r = await this.request(`${repository}/blobs/${digest}`, { method: 'HEAD' });
    if (r.status !== 404 && !r.ok) throw registryDown(this.host, `HTTP ${r.status} for ${repository}@${digest}`);
    return r.ok;
  }

  /**
   * Mounts a blob of another repository of this registry into `repository` (no bytes move); false
   * when the registry declined and opened an upload instead (which is then cancelled).
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const r = await this.request(`${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, { method: 'POST' });
    await r.body?.cancel();
    if (r.status === 201) return true;
    if (r.status !== 202) throw registryDown(this.host, `HTTP ${r.status} mounting ${from}@${digest} into ${repository}`);
    const location = r.headers.get('location');
    if (location) await (await this.request(new URL(location, this.base).toString(), { method: 'DELETE' })).body?.cancel();
    return false;
  }

  /** Uploads a blob (monolithic upload) unless the repository has it; returns its descriptor. */
  async putBlob(repository: string, content: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256Digest(content);
    const descriptor = { mediaType, digest, size: content.length };
    if ((await this.request(`${repository}/blobs/${digest}`, { method: 'HEAD' })).ok) return descriptor;
    const start = await this.request(`${repository}/blobs/uploads/`, { method: 'POST' });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw registryDown(this.host, `HTTP ${start.status} starting an upload to ${repository}`);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.request(url.toString(), { method: 'PUT', contentType: 'application/octet-stream', body: content });
    if (put.status !== 201) throw registryDown(this.host, `HTTP ${put.status} uploading to ${repository}`);
    return descriptor;
  }

  /** Stores a manifest under a tag (or its digest), again after an HTTP 500 (see retry.ts); returns its digest. */
  async putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const put = async () => {
      const r = await this.request(`${repository}/manifests/${reference}`, { method: 'PUT', contentType: mediaType, body: bytes });
      if (r.status === 500) await r.body?.cancel();
      return r;
    };
    const r = await retryWhile(put, (response) => response.status === 500, this.retry);
    if (r.status !== 201) throw registryDown(this.host, `HTTP ${r.status} storing ${repository}:${reference}`);
    return r.headers.get('docker-content-digest') ?? sha256Digest(bytes);
  }

  /** Deletes a manifest by digest (the registry must allow deletes); false when it was not there. */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const r = await this.request(`${repository}/manifests/${digest}`, { method: 'DELETE' });
    if (r.status === 404) return false;
    // 405 Method Not Allowed is how a registry without deletes answers (docker-registry's default).
    if (r.status === 405) throw deletesDisabled(this.host);
    if (r.status !== 202) throw registryDown(this.host, `HTTP ${r.status} deleting ${repository}@${digest}`);
    return true;
  }
}

/** One client per registry host, made on first use, with the credentials credentialsFor finds for it. */
export function registryClients(credentialsFor: (host: string) => Credentials | undefined): (host: string) => RegistryClient {
  const clients = new Map<string, RegistryClient>();
  return (host) => {
    const client = clients.get(host) ?? new RegistryClient(host, credentialsFor(host));
    clients.set(host, client);
    return client;
  };
}
