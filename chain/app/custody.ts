/**
 * Where custody is read from: the local engine and state folder when they have it, else the
 * registry alone (the image's manifest and config, and the signed record stored beside it). So
 * `verify`, `why` and `provenance` work on any machine that can reach the registry, with no
 * state folder and no image in its engine.
 */
import { parseFamiliarName } from '@swimlane/docker-reference';
import { ChainError, ExitCode, fail } from '../core/errors.js';
import { imageRepository, publishedRepository } from '../core/model.js';
import { hintWith } from '../core/suggest.js';
import type { LoadedChain } from '../config/resolve.js';
import { recordFromBytes } from '../provenance/record.js';
import type { StoredRecord } from '../provenance/types.js';
import type { InspectedImage } from '../provenance/verify.js';
import type { EngineReader } from '../adapters/engine.js';
import { ProvenanceStore } from '../adapters/provenance-store.js';
import { getAttestation, remoteImage } from '../adapters/registry-images.js';
import { parseRegistry, type RegistryClient } from '../adapters/registry.js';
import { startGitRead } from '../world/read.js';
import type { AppDeps } from './deps.js';
import { planLoaded } from './plan-chain.js';

export class CustodyStore {
  private engineReachable?: Promise<boolean>;

  constructor(
    private readonly engine: EngineReader,
    readonly records: ProvenanceStore,
    private readonly registry: (host: string) => RegistryClient,
  ) {}

  /** An image by reference or ID: from the local engine, else from the registry the reference names. */
  async inspect(ref: string): Promise<InspectedImage | undefined> {
    const local = (await this.hasEngine()) ? await this.engine.inspect(ref) : undefined;
    if (local) return local;
    const remote = registryReference(ref);
    if (!remote) return undefined;
    const image = await remoteImage(this.registry(remote.host), remote.path, remote.reference);
    return image && { id: image.id, repoDigests: [`${image.repository}@${image.digest}`], layers: image.layers, labels: image.labels };
  }

  /** The record about this image: kept here, else the attestation stored beside it in a registry. */
  async recordFor(image: InspectedImage): Promise<StoredRecord | undefined> {
    const digests = [image.id, ...(image.repoDigests ?? []).map((d) => d.slice(d.lastIndexOf('@') + 1))];
    for (const digest of digests) {
      const kept = this.records.bySubject(digest);
      if (kept) return kept;
    }
    for (const repoDigest of image.repoDigests ?? []) {
      const remote = registryReference(repoDigest);
      const bytes = remote ? await getAttestation(this.registry(remote.host), remote.path, remote.reference) : undefined;
      if (bytes) return recordFromBytes(bytes);
    }
    return undefined;
  }

  /** Verification works without an engine: then only the registry is asked. */
  private hasEngine(): Promise<boolean> {
    this.engineReachable ??= this.engine.ping().then(
      () => true,
      (err: unknown) => {
        if (err instanceof ChainError && err.exitCode === ExitCode.environment) return false;
        throw err;
      },
    );
    return this.engineReachable;
  }
}

/** host, repository path and tag or digest of a reference that names a registry (not Docker Hub, never asked). */
function registryReference(ref: string): { host: string; path: string; reference: string } | undefined {
  if (ref.startsWith('sha256:')) return undefined;
  try {
    const parsed = parseFamiliarName(ref);
    const reference = parsed.digest ?? parsed.tag;
    return parsed.domain && parsed.domain !== 'docker.io' && parsed.repository && reference ? { host: parsed.domain, path: parsed.repository, reference } : undefined;
  } catch {
    return undefined;
  }
}

export interface Target {
  /** what to inspect: an image ID, tag or repo@digest */
  ref: string;
  node?: string;
}

/**
 * The image a `<node | image reference>` argument names. For a built node: the image that is
 * current for it now (the plan's, found by fingerprint in the registry or the engine), else its
 * released version (tag here or in the registry), else the image of its latest record. A name
 * that looks like a node but is none is an error; anything with a registry, tag or digest is an
 * image reference.
 */
export async function targetOf(deps: AppDeps, loaded: LoadedChain, custody: CustodyStore, arg: string | undefined): Promise<Target> {
  const { config } = loaded;
  const nodes = Object.keys(config.nodes).sort();
  if (!arg) return fail('E_USAGE', 'name a node or an image reference', { hint: `nodes: ${nodes.join(', ')}` });
  if (!Object.hasOwn(config.nodes, arg)) {
    if (/^[a-z0-9._-]+$/.test(arg)) return fail('E_UNKNOWN_NODE', `no node named '${arg}' in ${config.file}`, { hint: hintWith(arg, nodes, `nodes: ${nodes.join(', ')}; or give an image reference (repository:tag, repository@sha256:..., sha256:<id>)`) });
    return { ref: arg };
  }
  const node = config.nodes[arg];
  if (node?.kind !== 'built') return { ref: node?.kind === 'external' ? node.image : arg, node: arg };
  const { plan } = await planLoaded(deps, loaded, { targets: [arg], releases: 'none' }, { git: startGitRead(deps.git(config.root)) });
  const current = plan.nodes.find((n) => n.name === arg);
  if (current?.action === 'skip' && current.image) return { ref: current.image.digest ?? (current.image.id as string), node: arg };
  if (node.version !== undefined) {
    for (const repo of [imageRepository(config, arg), publishedRepository(config, arg)]) {
      if (repo && (await custody.inspect(`${repo}:${node.version}`))) return { ref: `${repo}:${node.version}`, node: arg };
    }
  }
  const latest = custody.records.latest(arg);
  const subject = latest && !('corrupt' in latest) ? latest.statement.subject[0] : undefined;
  if (subject?.digest?.sha256) {
    const digest = `sha256:${subject.digest.sha256}`;
    return { ref: subject.annotations?.digestKind === 'manifest' ? `${subject.name}@${digest}` : digest, node: arg };
  }
  return fail('E_NOT_BUILT', `node ${arg} has no built image with provenance`, { hint: config.registry ? `run chain build --push (the registry ${parseRegistry(config.registry).host} has none)` : 'run chain build first' });
}
