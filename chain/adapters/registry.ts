/**
 * A container registry, through its HTTP API (distribution's /v2/), with Node's own fetch: tags,
 * manifest digests and image labels, so that the registry can be the image store that decides
 * freshness, and external images resolve to a digest. Credentials are given by the caller (see
 * credentials.ts); signing in is registry-auth.ts's.
 */
import { createHash } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { RegistryAuth, tokenScope } from './registry-auth.js';
import { registryDown, registryRefused } from './registry-errors.js';

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

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

/** The attestation tag of an image digest: sha256:abc... -> sha256-abc....att */
export function attestationTag(digest: string): string {
  return `${digest.replace(':', '-')}.att`;
}

export class RegistryClient {
  private readonly base: string;
  private readonly auth: RegistryAuth;

  /** Credentials are the caller's to find (dockerCredentials): the client reads nothing by itself. */
  constructor(
    readonly host: string,
    credentials: Credentials | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
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

  /** The manifest digest a tag points to, or undefined when there is no such tag. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const r = await this.request(`${repository}/manifests/${reference}`, { method: 'HEAD', accept: MANIFEST_TYPES });
    if (r.status === 404) return undefined;
    if (!r.ok) throw registryDown(this.host, `HTTP ${r.status} for ${repository}:${reference}`);
    return r.headers.get('docker-content-digest') ?? undefined;
  }

  /** Uploads a blob (monolithic upload); returns its descriptor. */
  private async putBlob(repository: string, content: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
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

  /**
   * Stores a DSSE envelope beside the image it is about, as an OCI artifact under the attestation
   * tag `sha256-<hex>.att` (the convention cosign uses), with the image as its `subject`.
   */
  async putAttestation(repository: string, subject: string, envelope: Buffer): Promise<string> {
    const layer = await this.putBlob(repository, envelope, DSSE_MEDIA_TYPE);
    const config = await this.putBlob(repository, Buffer.from('{}'), EMPTY_MEDIA_TYPE);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: DSSE_MEDIA_TYPE,
      config,
      layers: [layer],
      subject: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: subject, size: 0 },
    };
    const tag = attestationTag(subject);
    const r = await this.request(`${repository}/manifests/${tag}`, { method: 'PUT', contentType: OCI_MANIFEST, body: JSON.stringify(manifest) });
    if (r.status !== 201) throw registryDown(this.host, `HTTP ${r.status} storing ${repository}:${tag}`);
    return tag;
  }

  /** The DSSE envelope stored beside an image, or undefined. */
  async getAttestation(repository: string, subject: string): Promise<Buffer | undefined> {
    const m = await this.request(`${repository}/manifests/${attestationTag(subject)}`, { accept: OCI_MANIFEST });
    if (m.status === 404) return undefined;
    const layer = ((await m.json()) as { layers?: Descriptor[] }).layers?.find((l) => l.mediaType === DSSE_MEDIA_TYPE);
    if (!layer) return undefined;
    const blob = await this.request(`${repository}/blobs/${layer.digest}`);
    return blob.ok ? Buffer.from(await blob.arrayBuffer()) : undefined;
  }

  /** The labels of an image's config, for checking the full fingerprint behind a tag. */
  async labels(repository: string, reference: string): Promise<Record<string, string> | undefined> {
    const m = await this.request(`${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES });
    if (m.status === 404) return undefined;
    const manifest = (await m.json()) as { config?: { digest?: string } };
    if (!manifest.config?.digest) return undefined;
    const c = await this.request(`${repository}/blobs/${manifest.config.digest}`);
    if (!c.ok) return undefined;
    return ((await c.json()) as { config?: { Labels?: Record<string, string> | null } }).config?.Labels ?? {};
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
