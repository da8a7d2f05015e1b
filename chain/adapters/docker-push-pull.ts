/**
 * Pushes and pulls through the engine. The engine relays registry failures as text in the
 * progress stream (or as a rejected pull): they become the registry's ChainErrors, not the engine's.
 */
import { parseFamiliarName } from '@swimlane/docker-reference';
import type Docker from 'dockerode';
import { ChainError, fail } from '../core/errors.js';
import type { Credentials } from './credentials.js';
import { describe, engineCall, followProgress, streamError } from './engine-calls.js';
import { registryDown, registryRefused } from './registry-errors.js';
import { isServerError, retryWhile, SERVER_ERROR_RETRY, type RetryPolicy } from './retry.js';

/** The registry host of an image reference, by a real reference parser (`busybox` is docker.io's). */
export function registryHost(ref: string): string {
  try {
    return parseFamiliarName(ref).domain as string;
  } catch (err) {
    return fail('E_IMAGE_REF', `'${ref}' is not a valid image reference (${(err as Error).message})`, { hint: 'write host/repository:tag or host/repository@sha256:digest' });
  }
}

/** The X-Registry-Auth the engine wants for a push or pull; `{}` without credentials (it needs one). */
function authconfig(host: string, credentials: Credentials | undefined): Record<string, string> {
  if (!credentials) return {};
  // An identity token (a credential helper's `<token>` answer) goes as the Engine API's own field.
  if (credentials.identityToken) return { identitytoken: credentials.identityToken, serveraddress: host };
  return { username: credentials.username, password: credentials.password, serveraddress: host };
}

/** Tells refused credentials from a registry that is down, by the engine's text (pure). */
export function registryError(host: string, message: string): ChainError {
  // Status codes only as the engine words them ("HTTP 403"): a bare 401 may be part of a URL it quotes.
  if (!/unauthori[sz]ed|authentication required|no basic auth credentials|denied|forbidden|\bHTTP 40[13]\b/i.test(message)) return registryDown(host, message);
  return registryRefused(host, /denied|forbidden|\bHTTP 403\b/i.test(message) ? 403 : 401);
}

/**
 * Pushes repo:tag; returns the manifest digest the registry answered with. Runners pushing one
 * tag at once can meet the registry's HTTP 500 (see retry.ts): the push is tried again then.
 */
export async function pushImage(docker: Docker, repo: string, tag: string, credentials: Credentials | undefined, retry: RetryPolicy = SERVER_ERROR_RETRY): Promise<string> {
  const host = registryHost(repo);
  const attempt = async () => {
    const stream = await engineCall(() => docker.getImage(`${repo}:${tag}`).push({ tag, authconfig: authconfig(host, credentials) }));
    const events = await followProgress(docker, stream);
    return { events, error: streamError(events) };
  };
  const { events, error } = await retryWhile(attempt, (pushed) => pushed.error !== undefined && isServerError(pushed.error), retry);
  if (error !== undefined) throw registryError(host, error);
  const digest = events.map((e) => e.aux?.Digest).find(Boolean);
  if (!digest) throw registryDown(host, `the push of ${repo}:${tag} reported no digest`);
  return digest;
}

/** Pulls an image by reference (repo@sha256:... for a parent a child needs); the caller looks up its ID. */
export async function pullImage(docker: Docker, ref: string, credentials: Credentials | undefined): Promise<void> {
  const host = registryHost(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engineCall(() => docker.pull(ref, { authconfig: authconfig(host, credentials) }) as Promise<NodeJS.ReadableStream>);
  } catch (err) {
    if (err instanceof ChainError) throw err;
    throw registryError(host, describe(err));
  }
  const error = streamError(await followProgress(docker, stream));
  if (error !== undefined) throw registryError(host, error);
}
