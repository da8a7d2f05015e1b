/** Builds the in-toto Statement with a SLSA Provenance v1 predicate for one built image (pure). */
import { isSecretArg } from '../core/model.js';
import { BUILD_TYPE, BUILDER_ID, SLSA_PROVENANCE_V1, STATEMENT_TYPE, type ResourceDescriptor, type Statement } from './types.js';


export interface ImageDigest {
  /** sha256:<hex> */
  digest: string;
  kind: 'manifest' | 'image-id';
}

export interface ProvenanceInput {
  chain: string;
  node: string;
  owner: string;
  tier: string;
  /** the image's repository, e.g. acme/httpd */
  repository: string;
  image: ImageDigest;
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  secretArgs: readonly string[];
  /** set when not the default classic builder */
  builderKind?: 'buildkit';
  /** the ids of the build's BuildKit secrets: never their values */
  secrets?: readonly string[];
  version?: string;
  fingerprint: string;
  parents: { node: string; repository: string; image: ImageDigest; external: boolean; base: boolean }[];
  gitCommit?: string;
  /**
   * Files of the context that differ from the commit checked out (modified, staged or not
   * tracked): then no commit is claimed for the context, only the commit the tree was based on.
   */
  uncommitted?: { baseCommit?: string; files: string[] };
  builder: { chain: string; engine?: string };
  invocationId: string;
  startedOn: string;
  finishedOn: string;
  /** why this build happened, e.g. a patch cascade's reason */
  reason?: string;
  /**
   * made by rebase, not by running its steps: the earlier image whose own layers it keeps and the
   * base parent's image it placed them on (repo@sha256:... for a manifest, sha256:... for an image ID)
   */
  rebase?: { from: string; onto: string; parent: string };
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

export function provenanceStatement(p: ProvenanceInput): Statement {
  const args = Object.fromEntries(Object.entries(p.args).filter(([name]) => !isSecretArg(name, p.secretArgs)));
  const dependencies: ResourceDescriptor[] = p.parents.map((parent) => ({
    name: parent.node,
    uri: `pkg:docker/${parent.repository}@${parent.image.digest}`,
    digest: { sha256: hex(parent.image.digest) },
    annotations: { node: parent.node, digestKind: parent.image.kind, external: parent.external, base: parent.base },
  }));
  if (p.uncommitted) {
    const annotations: Record<string, string | boolean | string[]> = { uncommitted: true, files: p.uncommitted.files };
    if (p.uncommitted.baseCommit) annotations.baseCommit = p.uncommitted.baseCommit;
    dependencies.push({ name: 'context', uri: `file:${p.context}`, annotations });
  } else if (p.gitCommit) dependencies.push({ name: 'context', uri: `git+${p.context}`, digest: { gitCommit: p.gitCommit } });
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: p.repository, digest: { sha256: hex(p.image.digest) }, annotations: { digestKind: p.image.kind, owner: p.owner, node: p.node, tier: p.tier } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          node: p.node,
          context: p.context,
          dockerfile: p.dockerfile,
          args,
          ...(p.version !== undefined ? { version: p.version } : {}),
          ...(p.builderKind ? { builder: p.builderKind } : {}),
          ...(p.secrets?.length ? { secrets: [...p.secrets].sort() } : {}),
          ...(p.reason ? { reason: p.reason } : {}),
          ...(p.uncommitted ? { uncommitted: p.uncommitted.files } : {}),
          ...(p.rebase ? { rebase: { rebasedFrom: p.rebase.from, onto: p.rebase.onto, parent: p.rebase.parent } } : {}),
        },
        internalParameters: { chain: p.chain, fingerprint: p.fingerprint },
        resolvedDependencies: dependencies,
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { chain: p.builder.chain, ...(p.builder.engine ? { dockerEngine: p.builder.engine } : {}) } },
        metadata: { invocationId: p.invocationId, startedOn: p.startedOn, finishedOn: p.finishedOn },
      },
    },
  };
}
