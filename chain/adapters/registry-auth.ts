/**
 * How chain signs in to a registry: Basic with the credentials, or token authentication (most
 * hosted registries), where a token service trades the credentials for a bearer token per scope.
 * Once a registry has asked for tokens, later requests carry one from the start instead of being
 * refused first: one round trip a request rather than two.
 */
import type { Credentials } from './credentials.js';
import { registryDown, registryRefused } from './registry-errors.js';

interface Challenge {
  realm: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` challenge (pure). */
export function bearerChallenge(header: string | null): Challenge | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[(m[1] as string).toLowerCase()] = m[2] as string;
  const { realm, ...rest } = params;
  return realm ? { realm, params: rest } : undefined;
}

/**
 * The token scope a request to a /v2/ path needs, as registries word it in their challenges
 * (pure): reads pull, writes pull and push; undefined for paths outside a repository (/v2/ itself).
 */
export function tokenScope(pathname: string, method: string): string | undefined {
  // Repository names have slashes of their own: the name is what comes before the API's own suffix.
  const name = /^\/v2\/(.+)\/(?:tags\/list|manifests\/[^/]+|blobs\/uploads\/[^/]*|blobs\/[^/]+)$/.exec(pathname)?.[1];
  if (!name) return undefined;
  // Distribution's token scopes: pull to read, push to write, delete to delete.
  const actions = method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'pull,push';
  return `repository:${name}:${actions}`;
}

/** The authorization state of one registry host: its credentials, and its token service once seen. */
export class RegistryAuth {
  private readonly basic: string | undefined;
  /** the token service (realm and service) of the last Bearer challenge */
  private tokenService: { realm: string; service?: string } | undefined;
  /** bearer tokens by realm, service and scope */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly host: string,
    credentials: Credentials | undefined,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
  }

  /** The authorization to send a request with: a token for its scope once the registry wants tokens, else Basic (or none). */
  async first(scope: string | undefined): Promise<string | undefined> {
    if (!this.tokenService) return this.basic;
    const { realm, service } = this.tokenService;
    return this.bearer({ realm, params: { ...(service ? { service } : {}), ...(scope ? { scope } : {}) } });
  }

  /**
   * The authorization to send again after a 401, when it carries a Bearer challenge: a token for
   * the challenge's scope, fetched anew when the one just sent (expired, too narrow) was refused.
   */
  async retry(response: Response, sent: string | undefined): Promise<string | undefined> {
    const challenge = bearerChallenge(response.headers.get('www-authenticate'));
    if (!challenge) return undefined;
    const service = challenge.params.service;
    this.tokenService = { realm: challenge.realm, ...(service ? { service } : {}) };
    for (const [key, token] of this.tokens) if (sent === `Bearer ${token}`) this.tokens.delete(key);
    return this.bearer(challenge);
  }

  private async bearer(challenge: Challenge): Promise<string> {
    const { service, scope } = challenge.params;
    const key = JSON.stringify([challenge.realm, service, scope]);
    const token = this.tokens.get(key) ?? (await this.fetchToken(challenge.realm, { service, scope }));
    this.tokens.set(key, token);
    return `Bearer ${token}`;
  }

  private async fetchToken(realm: string, params: Record<string, string | undefined>): Promise<string> {
    const url = new URL(realm);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    let r: Response;
    try {
      r = await this.fetchImpl(url, { headers: this.basic ? { authorization: this.basic } : {} });
    } catch (err) {
      throw registryDown(url.host, (err as Error).message);
    }
    if (!r.ok) throw registryRefused(this.host, r.status);
    const body = (await r.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw registryRefused(this.host, r.status);
    return token;
  }
}
