/**
 * The labels a built image carries: given to a classic build, which adds them without a step
 * (adapters/engine-label.ts); written as one LABEL instruction of a BuildKit build's Dockerfile.
 */
import path from 'node:path';
import { finalBase } from '../core/dockerfile.js';
import { ownInputsKey } from '../core/fingerprint.js';
import { digestOf } from '../core/image-ref.js';
import { storedName } from '../core/inputs.js';
import { Labels, fingerprintTag, imageRepository } from '../core/model.js';
import type { NodeBuild } from './build-types.js';

export { labelInstruction } from '../adapters/engine-label.js';
import { sourceFacts } from './source-facts.js';

type LabelSource = Pick<NodeBuild, 'node' | 'inputs' | 'plan' | 'parents'>;

/** The parent the final stage is built FROM (its layers are the image's first layers). */
export function finalParent({ node, inputs }: Pick<NodeBuild, 'node' | 'inputs'>): string | undefined {
  const info = inputs.dockerfiles[node.name]?.info;
  const finalFrom = info ? finalBase(info) : undefined;
  return finalFrom !== undefined && inputs.config.nodes[finalFrom] ? finalFrom : undefined;
}

/**
 * OCI annotations and the project's own labels; the immediate FROM parent is the final stage's.
 * `baseShape`: how many layers and history entries that parent's image has, so that a later
 * rebase knows where the image's own part begins; with the own-inputs key, what makes an image a
 * rebase source.
 */
export function imageLabels(build: LabelSource, baseShape?: { layers: number; history: number }): Record<string, string> {
  const { node, inputs } = build;
  const { config } = inputs;
  const finalFrom = finalParent(build);
  const base = finalFrom !== undefined ? config.nodes[finalFrom] : undefined;
  const baseImage = finalFrom !== undefined ? build.parents[finalFrom] : undefined;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': node.name,
    'org.opencontainers.image.source': node.source ? node.source.git : `file://${path.join(config.root, node.path)}`,
    [Labels.chain]: config.name,
    [Labels.node]: node.name,
    [Labels.tier]: node.tier,
    [Labels.owner]: node.owner,
    [Labels.fingerprint]: build.plan.fingerprint,
  };
  const own = inputs.inputs[node.name];
  if (own?.kind === 'built') labels[Labels.ownInputs] = ownInputsKey(own);
  if (node.description) labels['org.opencontainers.image.description'] = node.description;
  if (node.version !== undefined) labels['org.opencontainers.image.version'] = node.version;
  const revision = sourceFacts(build).gitCommit;
  if (revision) labels['org.opencontainers.image.revision'] = revision;
  if (base && baseImage) {
    labels['org.opencontainers.image.base.name'] =
      base.kind === 'external' ? base.image : `${imageRepository(config, base.name)}:${fingerprintTag(inputs.fingerprints[base.name] as string)}`;
    labels['org.opencontainers.image.base.digest'] = baseImage.digest ? digestOf(baseImage.digest) : storedName(baseImage);
    if (baseShape) {
      labels[Labels.baseLayers] = String(baseShape.layers);
      labels[Labels.baseHistory] = String(baseShape.history);
    }
  }
  return labels;
}
