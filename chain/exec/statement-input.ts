/** The facts of one build as the provenance statement takes them (SLSA Provenance v1 input). */
import { parseDigestRef, repositoryOf } from '../core/image-ref.js';
import { storedName } from '../core/inputs.js';
import { builderOf, imageRepository } from '../core/model.js';
import type { ProvenanceInput } from '../provenance/statement.js';
import type { NodeBuild } from './build-types.js';
import { finalParent } from './labels.js';
import { sourceFacts } from './source-facts.js';

export interface BuiltImage {
  imageId: string;
  /** repo@sha256:... of the pushed manifest, when published */
  pushed?: string;
  startedOn: string;
  /** made by rebase: the earlier image (its own layers kept) and the base parent's image it was placed on */
  rebased?: { from: string; onto: string };
}

export function provenanceInput(build: NodeBuild, image: BuiltImage): ProvenanceInput {
  const { node, inputs, provenance } = build;
  const { config } = inputs;
  const pushed = image.pushed ? parseDigestRef(image.pushed) : undefined;
  const base = finalParent(build);
  const reason = provenance.reasonFor?.(node.name, node.version);
  const { gitCommit, uncommitted } = sourceFacts(build);
  return {
    chain: config.name,
    node: node.name,
    owner: node.owner,
    tier: node.tier,
    repository: pushed ? pushed.repository : imageRepository(config, node.name),
    // The manifest digest when pushed (what a registry and a runner pulling by digest see).
    image: pushed ? { digest: pushed.digest, kind: 'manifest' } : { digest: image.imageId, kind: 'image-id' },
    // A team repository's context is named by its repository, ref and folder, at its own commit.
    context: node.source ? `${node.source.git}@${node.source.ref}:${node.source.path}` : node.path,
    dockerfile: node.dockerfile,
    args: node.args,
    secretArgs: node.secretArgs,
    ...(builderOf(config, node) === 'buildkit' ? { builderKind: 'buildkit' as const } : {}),
    ...(node.secrets ? { secrets: Object.keys(node.secrets) } : {}),
    ...(node.version !== undefined ? { version: node.version } : {}),
    fingerprint: build.plan.fingerprint,
    parents: Object.entries(build.parents).map(([name, parentImage]) => {
      const parent = config.nodes[name];
      const external = parent?.kind === 'external';
      // A digest belongs to the repository it was pushed to or pulled from.
      const stored = parentImage.digest ? parseDigestRef(parentImage.digest) : undefined;
      const repository = stored ? stored.repository : external ? repositoryOf(parent.image) : imageRepository(config, name);
      return {
        node: name,
        repository,
        image: stored ? { digest: stored.digest, kind: 'manifest' as const } : { digest: storedName(parentImage), kind: 'image-id' as const },
        external,
        base: name === base,
      };
    }),
    ...(gitCommit ? { gitCommit } : {}),
    ...(uncommitted ? { uncommitted } : {}),
    builder: provenance.builder,
    invocationId: provenance.buildId,
    startedOn: image.startedOn,
    finishedOn: new Date().toISOString(),
    ...(reason ? { reason } : {}),
    ...(image.rebased && build.plan.rebase ? { rebase: { ...image.rebased, parent: build.plan.rebase.parent } } : {}),
  };
}

