/**
 * Walks an image's lineage down to its base and checks every link of the chain of custody:
 * the record is intact (content address), signed by a trusted key, about this very image
 * (subject digest), and built on the parents it names: each parent image exists, and the
 * image's layers start with its base parent's layers, so a record cannot claim another parent.
 */
import type { KeyObject } from 'node:crypto';
import { verifyEnvelope } from './dsse.js';
import type { ResourceDescriptor, Statement, StoredRecord } from './types.js';

export interface InspectedImage {
  id: string;
  /** repo@sha256:... of the manifests this image was pushed or pulled as */
  repoDigests?: string[];
  layers: string[];
  labels: Record<string, string>;
}

export interface VerifyDeps {
  /** the record whose subject is this image (kept locally, or stored beside it in a registry) */
  recordFor(image: InspectedImage): Promise<StoredRecord | undefined>;
  inspect(ref: string): Promise<InspectedImage | undefined>;
  trusted: readonly KeyObject[];
  /** owner of an external node, which has no record of its own */
  ownerOf(node: string): string | undefined;
}

export interface CustodyLink {
  node: string;
  owner: string;
  digest: string;
  external: boolean;
  builder?: string;
  builtAt?: string;
  commit?: string;
  keyid?: string;
  record?: string;
  /** made by rebase: the earlier image its own layers come from, and the base image they were placed on */
  rebase?: { from: string; onto: string; parent: string };
}

export interface Broken {
  node?: string;
  image: string;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  links: CustodyLink[];
  broken?: Broken;
}

class BrokenLink extends Error {
  constructor(readonly broken: Broken) {
    super(broken.reason);
  }
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/** How to find a recorded parent: by its repo@digest when recorded by manifest digest, else by its image ID. */
export function dependencyRef(dep: ResourceDescriptor): string {
  return dep.annotations?.digestKind === 'manifest' && dep.uri?.startsWith('pkg:docker/') ? dep.uri.slice('pkg:docker/'.length) : `sha256:${dep.digest?.sha256 ?? ''}`;
}

function rebaseOf(value: unknown): CustodyLink['rebase'] {
  const r = value as { rebasedFrom?: unknown; onto?: unknown; parent?: unknown } | undefined;
  return r && typeof r.rebasedFrom === 'string' && typeof r.onto === 'string' && typeof r.parent === 'string' ? { from: r.rebasedFrom, onto: r.onto, parent: r.parent } : undefined;
}

export async function verifyLineage(imageRef: string, deps: VerifyDeps, expectNode?: string): Promise<VerifyResult> {
  const links: CustodyLink[] = [];
  const seen = new Set<string>();

  const visit = async (ref: string, node: string | undefined): Promise<InspectedImage> => {
    const image = await deps.inspect(ref);
    if (!image) throw new BrokenLink({ ...(node ? { node } : {}), image: ref, reason: `image ${ref} is not in the image store` });
    if (seen.has(image.id)) return image;
    seen.add(image.id);
    const fail = (reason: string): never => {
      throw new BrokenLink({ ...(node ? { node } : {}), image: image.id, reason });
    };

    const record = await deps.recordFor(image);
    if (!record) return fail(`no provenance is recorded for image ${short(image.id)}`);
    if ('corrupt' in record) return fail(`provenance record ${record.address.slice(0, 12)} is corrupt: ${record.corrupt}`);
    const signature = verifyEnvelope(record.envelope, deps.trusted);
    if (!signature.ok) {
      return fail(signature.reason === 'unsigned' ? 'the provenance record is unsigned' : 'the provenance record is not signed by a trusted key');
    }
    const statement: Statement = record.statement;
    const subject = statement.subject[0];
    const recordedNode = String(subject?.annotations?.node ?? '');
    const subjectDigest = `sha256:${subject?.digest?.sha256 ?? ''}`;
    const isThisImage = subject?.annotations?.digestKind === 'manifest' ? (image.repoDigests ?? []).some((d) => d.endsWith(`@${subjectDigest}`)) : subjectDigest === image.id;
    if (!isThisImage) return fail(`the record's subject ${short(subjectDigest)} is not this image ${short(image.id)}`);
    if (node && recordedNode !== node) return fail(`the record is for node ${recordedNode}, not ${node}`);
    const meta = statement.predicate.runDetails.metadata;
    const commit = statement.predicate.buildDefinition.resolvedDependencies?.find((d) => d.digest?.gitCommit)?.digest?.gitCommit;
    // A rebased image is checked like a built one: its layers start with its (new) base parent's, by construction.
    const rebase = rebaseOf(statement.predicate.buildDefinition.externalParameters.rebase);
    links.push({
      node: recordedNode,
      owner: String(subject?.annotations?.owner ?? ''),
      digest: image.id,
      external: false,
      builder: `${statement.predicate.runDetails.builder.id}@${statement.predicate.runDetails.builder.version?.chain ?? '?'}`,
      ...(meta?.finishedOn ? { builtAt: meta.finishedOn } : {}),
      ...(commit ? { commit } : {}),
      keyid: signature.keyid,
      record: record.address,
      ...(rebase ? { rebase } : {}),
    });

    for (const dep of statement.predicate.buildDefinition.resolvedDependencies ?? []) {
      const parentNode = dep.annotations?.node;
      if (typeof parentNode !== 'string') continue;
      // A parent recorded by manifest digest is found by its repo@digest, one by image ID by its ID.
      const parentRef = dependencyRef(dep);
      const parent = await deps.inspect(parentRef);
      if (!parent) return fail(`its parent ${parentNode} ${short(parentRef)} is not in the image store`);
      // This link first: is the image really built on the parent its record names?
      if (dep.annotations?.base && !parent.layers.every((layer, i) => image.layers[i] === layer)) {
        return fail(`it is not built on the parent its record names: its layers do not start with those of ${parentNode} ${short(parentRef)}`);
      }
      if (!dep.annotations?.external) await visit(parentRef, parentNode);
      else if (!seen.has(parent.id)) {
        seen.add(parent.id);
        links.push({ node: parentNode, owner: deps.ownerOf(parentNode) ?? '', digest: parent.id, external: true });
      }
    }
    return image;
  };

  try {
    await visit(imageRef, expectNode);
    return { ok: true, links };
  } catch (err) {
    if (err instanceof BrokenLink) return { ok: false, links, broken: err.broken };
    throw err;
  }
}
