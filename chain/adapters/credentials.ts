/**
 * Registry credentials from the Docker configuration (`auths` in config.json), the file
 * `docker login` writes. They never appear in output, logs or records.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Credentials for a registry host from $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json.
 * The environment is an argument, not read here, so that callers and tests say which one counts.
 */
export function dockerCredentials(host: string, env: Record<string, string | undefined>): Credentials | undefined {
  const folder = env.DOCKER_CONFIG ?? path.join(env.HOME ?? homedir(), '.docker');
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as typeof config;
  } catch {
    return undefined;
  }
  const entry = config.auths?.[host] ?? config.auths?.[`http://${host}`] ?? config.auths?.[`https://${host}`];
  if (!entry) return undefined;
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}
