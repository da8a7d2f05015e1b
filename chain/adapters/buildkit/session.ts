/**
 * chain's own BuildKit session on the engine's /session endpoint (what `docker build` with
 * BuildKit opens beside its /build request): an HTTP upgrade to h2c on which the engine is the
 * gRPC client and chain serves. dockerode has one with only the auth service; chain's adds the
 * secrets service, so that a node's secrets reach RUN --mount=type=secret and nothing else, and
 * the health service the engine polls. The values are held in memory only for the build.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from './protos.js';

/** The methods the session serves: the engine calls only methods its client announced. */
export const SESSION_METHODS = ['/moby.filesync.v1.Auth/Credentials', '/moby.buildkit.secrets.v1.Secrets/GetSecret', '/grpc.health.v1.Health/Check'] as const;

/** The headers of the /session request (pure): session id, name, shared key, and one line per served method. */
export function sessionHeaders(id: string, name: string, sharedKey: string, methods: readonly string[] = SESSION_METHODS): Record<string, string | string[]> {
  return {
    Upgrade: 'h2c',
    'X-Docker-Expose-Session-Uuid': id,
    'X-Docker-Expose-Session-Name': name,
    'X-Docker-Expose-Session-Sharedkey': sharedKey,
    'X-Docker-Expose-Session-Grpc-Method': [...methods],
  };
}

export interface Session {
  /** what /build takes as its `session` parameter */
  id: string;
  /** the ids the build asked for, in order (never their values) */
  asked: string[];
  close(): void;
}

type Handler<Req, Res> = (call: { request: Req }, callback: (err: grpc.ServiceError | null, res?: Res) => void) => void;

function serviceOf(definition: grpc.GrpcObject, dotted: string): grpc.ServiceDefinition {
  const found = dotted.split('.').reduce<unknown>((object, key) => (object as Record<string, unknown>)[key], definition) as { service: grpc.ServiceDefinition };
  return found.service;
}

/** Opens a session serving `secrets` (id -> value); close it once the build's stream has ended. */
export async function openSession(docker: Docker, secrets: Readonly<Record<string, Buffer>>): Promise<Session> {
  const id = randomUUID();
  const socket = await new Promise<Duplex>((resolve, reject) =>
    docker.modem.dial(
      { method: 'POST', path: '/session', hijack: true, headers: sessionHeaders(id, 'chain', randomBytes(16).toString('hex')), statusCodes: { 101: true, 200: true, 500: 'server error' } },
      (err, socket) => (err ? reject(err) : resolve(socket as Duplex)),
    ),
  );
  const asked: string[] = [];
  const server = new grpc.Server();
  const auth = grpc.loadPackageDefinition(loadProto('auth'));
  const secretsService = grpc.loadPackageDefinition(loadProto('secrets'));
  const health = grpc.loadPackageDefinition(loadProto('health'));
  // chain's builds never pull: no registry credentials are handed to the builder.
  const credentials: Handler<{ Host: string }, { Username: string; Secret: string }> = (_call, callback) => callback(null, { Username: '', Secret: '' });
  const getSecret: Handler<{ ID: string }, { data: Buffer }> = ({ request }, callback) => {
    asked.push(request.ID);
    const value = Object.hasOwn(secrets, request.ID) ? secrets[request.ID] : undefined;
    if (value === undefined) callback({ code: grpc.status.NOT_FOUND, details: `secret ${request.ID} is not one of the node's secrets`, metadata: new grpc.Metadata(), name: 'NotFound', message: 'not found' });
    else callback(null, { data: value });
  };
  const check: Handler<unknown, { status: string }> = (_call, callback) => callback(null, { status: 'SERVING' });
  server.addService(serviceOf(auth, 'moby.filesync.v1.Auth'), { Credentials: credentials });
  server.addService(serviceOf(secretsService, 'moby.buildkit.secrets.v1.Secrets'), { GetSecret: getSecret });
  server.addService(serviceOf(health, 'grpc.health.v1.Health'), { Check: check });
  server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  return {
    id,
    asked,
    close() {
      server.forceShutdown();
      socket.destroy();
    },
  };
}
