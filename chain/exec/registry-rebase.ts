/**
 * Rebase through the registry's API: the earlier image's manifest and config and the new base's
 * are read (small JSON documents), the base's layer blobs are mounted into the node's repository
 * from the base's (the registry links them; no bytes move), the own layers are there already (the
 * earlier image is in the same repository), and only the new config blob and manifest are put.
 * The manifest goes under the staging tag, as a pushed build's does, and the claim protocol takes
 * it from there (publish-node.ts). A node with tests has the engine pull it by digest for them
 * (the only layers downloaded are the own ones it lacks on top of the new base); one without is
 * never pulled: the registry is where it lives, and a child built on it pulls it when it needs it.
 */
import { parseDigestRef, parseImageRef } from '../core/image-ref.js';
import { fingerprintTag, publishedRepository, STAGING_TAG } from '../core/model.js';
import type { ImageConfigJson } from '../core/rebase-config.js';
import { registryDown, sha256Digest, type Descriptor, type RegistryClient, type RemoteManifest } from '../adapters/registry.js';
import type { NodeBuild } from './build-types.js';
import type { Publish } from './promote.js';

export interface RegistryRebase {
  /** host/repo@sha256:... of the earlier image */
  from: string;
  /** host/repo@sha256:... of the new base */
  onto: string;
  configFor: (old: ImageConfigJson, base: ImageConfigJson) => ImageConfigJson;
  /** pull the new image into the engine (its tests run there) */
  pull: boolean;
}

export async function rebaseInRegistry(build: NodeBuild, publish: Publish, request: RegistryRebase, onLine: (line: string) => void): Promise<{ imageId: string; staged: string; pulled: boolean }> {
  const published = publishedRepository(build.inputs.config, build.node.name);
  if (!published) throw new Error(`rebase: the chain of ${build.node.name} has no registry`);
  const target = parseImageRef(published).path;
  const { registry } = publish;
  const from = parseDigestRef(request.from);
  const onto = parseDigestRef(request.onto);
  const [old, base] = await Promise.all([imageAt(registry, from.path, from.digest), imageAt(registry, onto.path, onto.digest)]);
  const own = build.plan.rebase?.from.baseLayers ?? 0;
  const oldLayers = old.manifest.json.layers ?? [];
  const baseLayers = base.manifest.json.layers ?? [];
  if (oldLayers.length < own) throw new Error(`rebase: ${request.from} has ${oldLayers.length} layers, fewer than its base's ${own}`);
  const layers = [...baseLayers.map((layer) => ({ layer, source: onto.path })), ...oldLayers.slice(own).map((layer) => ({ layer, source: from.path }))];
  // Each layer the repository lacks, mounted from where it is (all at once: a few small requests each).
  const placed = await Promise.all(
    layers.map(async ({ layer, source }) => {
      if (source === target || (await registry.hasBlob(target, layer.digest))) return 0;
      if (await registry.mountBlob(target, layer.digest, source)) return 1;
      await copyBlob(registry, source, target, layer); // a registry that declines mounts (a token without pull on the source)
      return 0;
    }),
  );
  const mounted = placed.reduce((a: number, b) => a + b, 0);
  const configBytes = Buffer.from(JSON.stringify(request.configFor(old.config, base.config)));
  const configDescriptor = await registry.putBlob(target, configBytes, old.manifest.json.config?.mediaType ?? 'application/vnd.docker.container.image.v1+json');
  const bytes = manifestBytes(old.manifest, configDescriptor, layers.map(({ layer }) => layer));
  const digest = await registry.putManifest(target, STAGING_TAG, old.manifest.mediaType, bytes);
  if (digest !== sha256Digest(bytes)) throw registryDown(registry.host, `it stored the rebased manifest as ${digest}, not as ${sha256Digest(bytes)}`);
  const staged = `${published}@${digest}`;
  onLine(`# staged ${staged} (${mounted} layers mounted, config ${configDescriptor.digest} and manifest put)`);
  // Its ID in the engine is its config's digest, pulled or not.
  if (!request.pull) return { imageId: configDescriptor.digest, staged, pulled: false };
  const imageId = await build.engine.pull(staged, publish.credentials);
  if (imageId !== configDescriptor.digest) throw new Error(`rebase: the engine pulled ${staged} as ${imageId}, not ${configDescriptor.digest}`);
  // The image keeps a tag of its own (the digest alone would leave it dangling for a prune).
  await build.engine.tag(imageId, published, fingerprintTag(build.plan.fingerprint));
  return { imageId, staged, pulled: true };
}

/**
 * The new manifest, written as the engine writes one (distribution's schema2.FromStruct:
 * json.MarshalIndent with three spaces; descriptors as mediaType, size, digest) when the earlier
 * manifest was so written: the engine, pushing the image's human tags later, then writes the very
 * same bytes, and every tag of the image names the one manifest that is attested.
 */
function manifestBytes(old: RemoteManifest, config: Descriptor, layers: Descriptor[]): Buffer {
  const descriptor = ({ mediaType, size, digest, ...rest }: Descriptor) => ({ mediaType, size, digest, ...rest });
  const { schemaVersion, mediaType, config: _config, layers: _layers, ...rest } = old.json;
  const manifest = { schemaVersion, ...(mediaType !== undefined ? { mediaType } : {}), config: descriptor({ ...old.json.config, ...config }), layers: layers.map(descriptor), ...rest };
  const indented = old.bytes.toString('utf8').startsWith('{\n   "');
  return Buffer.from(indented ? JSON.stringify(manifest, null, 3) : JSON.stringify(manifest));
}

/** Copies a blob the registry would not mount: read once from the source repository, put once into the target. */
async function copyBlob(registry: RegistryClient, source: string, target: string, layer: Descriptor): Promise<void> {
  const bytes = await registry.blob(source, layer.digest);
  if (!bytes) throw registryDown(registry.host, `${source} does not hold the layer ${layer.digest} its manifest names`);
  await registry.putBlob(target, bytes, layer.mediaType);
}

async function imageAt(registry: RegistryClient, repository: string, digest: string): Promise<{ manifest: RemoteManifest; config: ImageConfigJson }> {
  const manifest = await registry.manifest(repository, digest);
  const configDigest = manifest?.json.config?.digest;
  if (!manifest || !configDigest) throw registryDown(registry.host, `${repository}@${digest} is not an image manifest it holds`);
  const bytes = await registry.blob(repository, configDigest);
  if (!bytes) throw registryDown(registry.host, `${repository}@${digest} names a config blob ${configDigest} it does not hold`);
  return { manifest, config: JSON.parse(bytes.toString('utf8')) as ImageConfigJson };
}
