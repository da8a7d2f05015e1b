/**
 * Registry credentials found the way the docker CLI finds them in its configuration, the file
 * `docker login` writes: a credential helper (`credHelpers`, `credsStore`) or `auths`. They
 * never appear in output, logs, records or error messages.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { credentialHelperGet } from './credential-helper.js';
import { readRegularText } from './files.js';

export interface Credentials {
  username: string;
  password: string;
  /**
   * An identity token (a helper's `<token>` username, or `identitytoken` in auths): the engine's
   * authconfig takes it as `identitytoken`, a token service as an OAuth2 refresh token. Callers
   * that do not use it yet get `<token>` and the token as username and password.
   */
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The username a helper answers with when its secret is an identity token (docker/cli native_store.go). */
const TOKEN_USERNAME = '<token>';

/**
 * Credentials for a registry host from $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json.
 * The environment is an argument, not read here, so that callers and tests say which one counts;
 * a credential helper runs in it too (its PATH finds the helper).
 *
 * The order is docker/cli's `ConfigFile.GetAuthConfig` (cli/config/configfile/file.go): the
 * helper `credHelpers` names for the host, else the `credsStore` helper, else `auths`. When a
 * helper applies it is the only source: the CLI's native store overwrites whatever `auths` holds
 * for the host with the helper's answer, so an `auths` entry with inline credentials does not
 * count then, even when the helper has nothing. An empty `credHelpers` entry sends its host back
 * to `auths`. Unlike `docker push`, which ignores a helper's failure and pushes anonymously, a
 * helper that cannot answer is an error (E_CREDENTIALS) rather than a puzzling refusal later.
 */
export function dockerCredentials(host: string, env: Record<string, string | undefined>): Credentials | undefined {
  const folder = env.DOCKER_CONFIG ?? path.join(env.HOME ?? homedir(), '.docker');
  const file = path.join(folder, 'config.json');
  let config: DockerConfig;
  try {
    // A FIFO or a device at the configuration's path is not read (it could never end).
    config = JSON.parse(readRegularText(file)) as DockerConfig;
  } catch {
    return undefined;
  }
  if (typeof config !== 'object' || config === null) return undefined;
  const key = authConfigKey(host);
  const helpers = typeof config.credHelpers === 'object' && config.credHelpers !== null ? config.credHelpers : {};
  const named = Object.hasOwn(helpers, key);
  const suffix = named ? helpers[key] : config.credsStore;
  if (typeof suffix === 'string' && suffix !== '') {
    const setting = named ? `credHelpers["${key}"]` : 'credsStore';
    const answer = credentialHelperGet({ suffix, serverUrl: key, env, configFile: file, setting });
    if (!answer?.secret) return undefined;
    return answer.username === TOKEN_USERNAME ? token(answer.secret) : { username: answer.username, password: answer.secret };
  }
  return fromAuths(config.auths ?? {}, key);
}

/**
 * The key the docker CLI files a registry's credentials under (its `getAuthConfigKey`): Docker
 * Hub's historical index address, every other registry its host as written.
 */
export function authConfigKey(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' ? 'https://index.docker.io/v1/' : host;
}

/** The `auths` entry for key, else one whose key is a URL of that host (docker/cli file_store.go `Get`). */
function fromAuths(auths: Record<string, AuthEntry>, key: string): Credentials | undefined {
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => hostOf(k) === key)?.[1];
  if (!entry) return undefined;
  // `docker login` files an identity token beside the username, with an empty password; the
  // engine uses the token whenever there is one.
  if (entry.identitytoken) return token(entry.identitytoken);
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return entry.username && entry.password ? { username: entry.username, password: entry.password } : undefined;
}

/** A legacy auths key (`https://host/v1/`) as the host it stands for (docker/cli `ConvertToHostname`). */
function hostOf(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? key;
}

function token(secret: string): Credentials {
  return { username: TOKEN_USERNAME, password: secret, identityToken: secret };
}
