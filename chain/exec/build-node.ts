/**
 * Builds one node on the Docker Engine and tries it: rewrite, pack, build (untagged), run its
 * tests, then tag it with its fingerprint and record it. The fingerprint tag is what makes a node
 * up to date, so an image gets it only once its tests pass: a killed or failed run leaves an
 * untagged image that the next run does not trust. Human tags are the executor's to move.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { rewriteImages } from '../core/dockerfile.js';
import type { BuildRecord, LocalImage } from '../core/inputs.js';
import type { KeyObject } from 'node:crypto';
import { Labels, fingerprintTag, imageRepository, publishedRepository, recordableArgs, type BuiltNode } from '../core/model.js';
import type { Publish } from './promote.js';
import { parseFamiliarName } from '@swimlane/docker-reference';
import { signEnvelope } from '../provenance/dsse.js';
import { provenanceStatement } from '../provenance/statement.js';
import { PAYLOAD_TYPE } from '../provenance/types.js';
import type { ProvenanceStore } from '../adapters/provenance-store.js';
import type { PlanNode } from '../core/plan.js';
import { packContext } from '../adapters/context.js';
import type { DockerEngine } from '../adapters/docker.js';
import type { StateStore } from '../adapters/state.js';
import type { World } from '../world/read.js';

/** What a run needs to write provenance for the nodes it builds. */
export interface ProvenanceContext {
  store: ProvenanceStore;
  signingKey?: KeyObject;
  buildId: string;
  builder: { chain: string; engine?: string };
  /** why a node is being built, e.g. the reason of the patch cascade it belongs to */
  reasonFor?: (node: string, version: string | undefined) => string | undefined;
}

export interface NodeBuild {
  node: BuiltNode;
  provenance: ProvenanceContext;
  plan: PlanNode;
  testTimeoutMs: number;
  /** the exact image of every parent, in the local engine: built by this run, found or pulled, or external */
  parents: Record<string, LocalImage>;
  world: World;
  engine: DockerEngine;
  state: StateStore;
  onLine: (line: string) => void;
  onStep: (step: string) => void;
  onTested: (passed: number) => void;
  signal?: AbortSignal;
  /** push the image to the chain's registry once its tests pass */
  publish?: Publish;
}

export interface NodeBuildResult {
  imageId: string;
  /** repo@sha256:... of the pushed manifest, when published */
  digest?: string;
  /** the fingerprint tag: the only tag an image has until it is promoted */
  tags: string[];
  log: string;
}

/** A test command of the node failed: the node fails and its descendants are blocked. */
export class TestFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestFailedError';
  }
}

/** The name of the rewritten Dockerfile added to the context; it cannot clash with a user's file name we read. */
const GENERATED_DOCKERFILE = '.chain.Dockerfile';

export async function buildNode(b: NodeBuild): Promise<NodeBuildResult> {
  const { node, world } = b;
  const { config, dockerfiles } = world.loaded;
  const dockerfile = dockerfiles[node.name];
  const snapshot = world.snapshots[node.name];
  if (!dockerfile || !snapshot) throw new Error(`build: ${node.name} was not read`);

  const repo = imageRepository(config, node.name);
  const fpTag = fingerprintTag(b.plan.fingerprint);
  const logFile = b.state.logFile(node.name);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    b.onLine(line);
    if (/^Step \d+\/\d+ :/.test(line)) b.onStep(line);
  };

  const startedOn = new Date().toISOString();
  try {
    onLine(`# chain build ${node.name} fingerprint ${b.plan.fingerprint}`);
    const pinned = Object.fromEntries(Object.entries(b.parents).map(([name, image]) => [name, image.id]));
    const text = `${rewriteImages(dockerfile.text, dockerfile.info, pinned)}\n${labelInstruction(imageLabels(b))}\n`;
    const context = packContext(path.join(config.root, node.path), snapshot, { [GENERATED_DOCKERFILE]: text });
    const imageId = await b.engine.build(context, {
      dockerfile: GENERATED_DOCKERFILE,
      buildargs: node.args,
      nocache: b.plan.reasons.some((r) => r.kind === 'forced'),
      onLine,
      ...(b.signal ? { signal: b.signal } : {}),
    });
    onLine(`# built ${imageId}`);
    await runTests(b, imageId, onLine);
    await b.engine.tag(imageId, repo, fpTag);
    const tags = [`${repo}:${fpTag}`];
    let digest: string | undefined;
    const published = publishedRepository(config, node.name);
    if (b.publish && published) {
      await b.engine.tag(imageId, published, fpTag);
      digest = `${published}@${await b.engine.push(published, fpTag, b.publish.credentials)}`;
      tags.push(`${published}:${fpTag}`);
      onLine(`# pushed ${digest}`);
    }
    b.state.writeRecord(recordOf(b, imageId));
    const address = writeProvenance(b, imageId, digest, startedOn);
    onLine(`# provenance ${address}${b.provenance.signingKey ? ' (signed)' : ' (unsigned)'}`);
    if (b.publish && digest) {
      // The record travels with the image: stored beside it in the registry.
      const [repoRef = '', manifest = ''] = digest.split('@');
      const tag = await b.publish.registry.putAttestation(repoRef.split('/').slice(1).join('/'), manifest, readFileSync(b.provenance.store.recordFile(address)));
      onLine(`# attestation ${repoRef}:${tag}`);
    }
    return { imageId, ...(digest ? { digest } : {}), tags, log: logFile };
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

async function runTests(b: NodeBuild, imageId: string, onLine: (line: string) => void): Promise<void> {
  const { node } = b;
  const labels = { [Labels.chain]: b.world.loaded.config.name, [Labels.test]: node.name };
  for (const [i, command] of node.test.entries()) {
    const step = `test ${i + 1}/${node.test.length}: ${command}`;
    b.onStep(step);
    onLine(`# ${step}`);
    const result = await b.engine.runTest(imageId, command, { timeoutMs: b.testTimeoutMs, labels, onLine, ...(b.signal ? { signal: b.signal } : {}) });
    if (b.signal?.aborted) throw b.signal.reason;
    if (result.timedOut) throw new TestFailedError(`test ${i + 1} timed out after ${b.testTimeoutMs / 1000}s: ${command}`);
    if (result.exitCode !== 0) throw new TestFailedError(`test ${i + 1} exited ${result.exitCode}: ${command}`);
    onLine(`# test ${i + 1} passed`);
  }
  b.onTested(node.test.length);
}

function recordOf(b: NodeBuild, imageId: string): BuildRecord {
  const inputs = b.world.inputs[b.node.name];
  if (inputs?.kind !== 'built') throw new Error(`build: no inputs for ${b.node.name}`);
  return {
    format: 1,
    node: b.node.name,
    fingerprint: b.plan.fingerprint,
    files: inputs.files,
    args: recordableArgs(inputs.args, b.node.secretArgs),
    ...(inputs.version !== undefined ? { version: inputs.version } : {}),
    parents: Object.fromEntries(
      Object.entries(b.parents).map(([name, image]) => [name, { fingerprint: b.world.fingerprints[name] as string, image: image.digest ?? image.id }]),
    ),
    imageId,
    builtAt: new Date().toISOString(),
  };
}

/** Signs (when a key is given) and stores the node's provenance; returns the record's address. */
function writeProvenance(b: NodeBuild, imageId: string, pushed: string | undefined, startedOn: string): string {
  const { node, world } = b;
  const { config } = world.loaded;
  const base = finalParent(b);
  const reason = b.provenance.reasonFor?.(node.name, node.version);
  const statement = provenanceStatement({
    chain: config.name,
    node: node.name,
    owner: node.owner,
    tier: node.tier,
    repository: pushed ? (pushed.split('@')[0] as string) : imageRepository(config, node.name),
    // The manifest digest when pushed (what a registry and a runner pulling by digest see).
    image: pushed ? { digest: pushed.split('@')[1] as string, kind: 'manifest' } : { digest: imageId, kind: 'image-id' },
    // A team repository's context is named by its repository, ref and folder, at its own commit.
    context: node.source ? `${node.source.git}@${node.source.ref}:${node.source.path}` : node.path,
    dockerfile: node.dockerfile,
    args: node.args,
    secretArgs: node.secretArgs,
    ...(node.version !== undefined ? { version: node.version } : {}),
    fingerprint: b.plan.fingerprint,
    parents: Object.entries(b.parents).map(([name, image]) => {
      const parent = config.nodes[name];
      const external = parent?.kind === 'external';
      // A digest belongs to the repository it was pushed to or pulled from.
      const repository = image.digest ? (image.digest.split('@')[0] as string) : external ? repositoryOf(parent.image) : imageRepository(config, name);
      return {
        node: name,
        repository,
        image: image.digest ? { digest: image.digest.split('@')[1] as string, kind: 'manifest' as const } : { digest: image.id, kind: 'image-id' as const },
        external,
        base: name === base,
      };
    }),
    ...(node.source?.commit ?? world.git.head ? { gitCommit: node.source?.commit ?? world.git.head } : {}),
    builder: b.provenance.builder,
    invocationId: b.provenance.buildId,
    startedOn,
    finishedOn: new Date().toISOString(),
    ...(reason ? { reason } : {}),
  });
  const envelope = signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), b.provenance.signingKey);
  return b.provenance.store.put(envelope, node.name, imageId, pushed?.split('@')[1]);
}

/** The repository of an image reference, by a real reference parser (`host:5000/repo:tag` has two colons). */
function repositoryOf(image: string): string {
  const ref = parseFamiliarName(image);
  return ref.domain === 'docker.io' ? (ref.repository ?? image) : `${ref.domain}/${ref.repository}`;
}

/** The parent the final stage is built FROM (its layers are the image's first layers). */
function finalParent(b: NodeBuild): string | undefined {
  const finalFrom = b.world.loaded.dockerfiles[b.node.name]?.info.images.filter((u) => u.kind === 'from').at(-1)?.ref;
  return finalFrom !== undefined && b.world.loaded.config.nodes[finalFrom] ? finalFrom : undefined;
}

/** OCI annotations and the project's own labels; the immediate FROM parent is the final stage's. */
function imageLabels(b: NodeBuild): Record<string, string> {
  const { node, world } = b;
  const { config } = world.loaded;
  const finalFrom = finalParent(b);
  const base = finalFrom !== undefined ? config.nodes[finalFrom] : undefined;
  const baseImage = finalFrom !== undefined ? b.parents[finalFrom] : undefined;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': node.name,
    'org.opencontainers.image.source': node.source ? node.source.git : `file://${path.join(config.root, node.path)}`,
    [Labels.chain]: config.name,
    [Labels.node]: node.name,
    [Labels.tier]: node.tier,
    [Labels.owner]: node.owner,
    [Labels.fingerprint]: b.plan.fingerprint,
  };
  if (node.description) labels['org.opencontainers.image.description'] = node.description;
  if (node.version !== undefined) labels['org.opencontainers.image.version'] = node.version;
  const revision = node.source?.commit ?? world.git.head;
  if (revision) labels['org.opencontainers.image.revision'] = revision;
  if (base && baseImage) {
    labels['org.opencontainers.image.base.name'] =
      base.kind === 'external' ? base.image : `${imageRepository(config, base.name)}:${fingerprintTag(world.fingerprints[base.name] as string)}`;
    labels['org.opencontainers.image.base.digest'] = baseImage.digest?.split('@')[1] ?? baseImage.id;
  }
  return labels;
}

/** All labels in one LABEL instruction: each `labels` build option would cost its own step. */
export function labelInstruction(labels: Record<string, string>): string {
  const quote = (s: string) => JSON.stringify(s).replace(/\$/g, '\\$');
  return `LABEL ${Object.entries(labels)
    .map(([k, v]) => `${quote(k)}=${quote(v)}`)
    .join(' \\\n      ')}`;
}
