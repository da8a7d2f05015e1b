/**
 * Where the Docker Engine is, read the way dockerode (docker-modem) reads it, so that the thin
 * reader and dockerode always talk to the same engine: a unix socket or a plain TCP port the
 * thin reader can use; anything else (ssh://, TLS, npipe, a path prefix, a client timeout) is
 * left to dockerode. Pure but for the one existence check of the user's socket.
 */
import { accessSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export type EngineEndpoint = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };
export type EngineLocation = EngineEndpoint | { kind: 'dockerode'; why: string };

/** docker-modem's default socket: Docker Desktop's per-user one when it exists, else the system one. */
export function defaultSocket(exists: (file: string) => boolean = canAccess): string {
  const user = path.join(homedir(), '.docker', 'run', 'docker.sock');
  return exists(user) ? user : '/var/run/docker.sock';
}

function canAccess(file: string): boolean {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The engine DOCKER_HOST (and the DOCKER_* variables docker-modem reads) names. */
export function engineLocation(env: Readonly<Record<string, string | undefined>>, socket: () => string = defaultSocket): EngineLocation {
  const host = env.DOCKER_HOST;
  if (!host) return { kind: 'unix', socketPath: socket() };
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length) || socket() };
  if (host.startsWith('npipe://')) return { kind: 'dockerode', why: 'a named pipe' };
  let url: URL;
  try {
    url = new URL(host.includes('//') ? host : `tcp://${host}`);
  } catch {
    return { kind: 'dockerode', why: 'DOCKER_HOST is not a URL' }; // dockerode says what is wrong with it
  }
  if (url.protocol === 'ssh:') return { kind: 'dockerode', why: 'ssh' };
  if (env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || env.DOCKER_CERT_PATH) return { kind: 'dockerode', why: 'TLS' };
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:') return { kind: 'dockerode', why: `the scheme ${url.protocol}` };
  if (env.DOCKER_PATH_PREFIX || env.DOCKER_CLIENT_TIMEOUT) return { kind: 'dockerode', why: 'DOCKER_PATH_PREFIX or DOCKER_CLIENT_TIMEOUT' };
  // docker-modem leaves the port out when DOCKER_HOST has none, so the request goes to port 80.
  return { kind: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 80 };
}

/** What of a dockerode modem's options decides where it connects (see docker-modem's Modem). */
export interface ModemOptions {
  socketPath?: unknown;
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  version?: unknown;
  pathPrefix?: unknown;
  ca?: unknown;
  cert?: unknown;
  key?: unknown;
  agent?: unknown;
  timeout?: unknown;
  headers?: unknown;
  sshOptions?: unknown;
}

/** The engine an existing dockerode client talks to (tests hand one in, pointed at a proxy or a second engine). */
export function modemLocation(modem: ModemOptions, socket: () => string = defaultSocket): EngineLocation {
  const headers = modem.headers && typeof modem.headers === 'object' ? Object.keys(modem.headers) : [];
  if (modem.version || modem.agent || modem.timeout || modem.ca || modem.cert || modem.key || headers.length > 0) return { kind: 'dockerode', why: 'client options' };
  if (typeof modem.host === 'string' && modem.host) {
    if (modem.protocol !== 'http' || modem.host.includes('/') || (modem.pathPrefix !== undefined && modem.pathPrefix !== '/')) return { kind: 'dockerode', why: `the protocol ${String(modem.protocol)}` };
    const port = modem.port === undefined || modem.port === '' ? 80 : Number(modem.port);
    return Number.isInteger(port) ? { kind: 'tcp', host: modem.host.replace(/^\[(.*)\]$/, '$1'), port } : { kind: 'dockerode', why: 'the port' };
  }
  if (typeof modem.socketPath === 'string' && modem.socketPath) return modem.socketPath.startsWith('//./pipe/') ? { kind: 'dockerode', why: 'a named pipe' } : { kind: 'unix', socketPath: modem.socketPath };
  // docker-modem's default: a function that finds the socket (see defaultSocket).
  if (typeof modem.socketPath === 'function') return { kind: 'unix', socketPath: socket() };
  return { kind: 'dockerode', why: 'no socket or host' };
}
