/**
 * The .proto files chain's BuildKit client needs, loaded once with @grpc/proto-loader: the build
 * copies them next to the compiled code (dist/chain/adapters/buildkit/proto) and next to the
 * bundle's chunks (dist/chunks/proto, scripts/bundle.mjs); run from anywhere else (a test loading
 * the sources), they are read from the source folder.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [path.join(here, 'proto'), path.resolve(here, '../../../../chain/adapters/buildkit/proto')];

/** The folder holding the .proto files. */
export function protoDir(): string {
  const dir = CANDIDATES.find((candidate) => existsSync(path.join(candidate, 'status.proto')));
  if (!dir) throw new Error(`buildkit: the .proto files are missing (looked in ${CANDIDATES.join(', ')})`);
  return dir;
}

const cache = new Map<string, protoLoader.PackageDefinition>();

/** A .proto file's package definition, as grpc-js takes it; bytes as Buffers, 64-bit integers as numbers. */
export function loadProto(name: 'auth' | 'secrets' | 'health' | 'status'): protoLoader.PackageDefinition {
  let definition = cache.get(name);
  if (!definition) {
    definition = protoLoader.loadSync(path.join(protoDir(), `${name}.proto`), { keepCase: true, longs: Number, enums: String, defaults: true });
    cache.set(name, definition);
  }
  return definition;
}
