/**
 * What a build leaves behind once its image is trusted: the build record (why the next plan
 * rebuilds), the provenance statement signed and stored, and, when pushed, that statement stored
 * beside the image in the registry.
 */
import { readFileSync } from 'node:fs';
import { parseDigestRef } from '../core/image-ref.js';
import { storedName, type BuildRecord } from '../core/inputs.js';
import { recordableArgs } from '../core/model.js';
import { signEnvelope } from '../provenance/dsse.js';
import { recordFromBytes } from '../provenance/record.js';
import { putAttestation } from '../adapters/registry-images.js';
import { registryDown } from '../adapters/registry-errors.js';
import { provenanceStatement } from '../provenance/statement.js';
import { PAYLOAD_TYPE } from '../provenance/types.js';
import type { NodeBuild } from './build-types.js';
import { provenanceInput, type BuiltImage } from './statement-input.js';

export async function recordBuild(build: NodeBuild, image: BuiltImage, onLine: (line: string) => void): Promise<void> {
  build.state.writeRecord({ ...buildRecord(build, image.imageId), ...(image.pushed ? { digest: image.pushed } : {}) });
  const address = storeProvenance(build, image);
  onLine(`# provenance ${address}${build.provenance.signingKey ? ' (signed)' : ' (unsigned)'}`);
  if (build.publish && image.pushed) {
    // The record travels with the image: stored beside it in the registry.
    const pushed = parseDigestRef(image.pushed);
    const { registry } = build.publish;
    const subject = await registry.describe(pushed.path, pushed.digest);
    if (!subject) throw registryDown(registry.host, `${image.pushed} is not in the registry right after its push`);
    const tag = await putAttestation(registry, pushed.path, subject, readFileSync(build.provenance.store.recordFile(address)));
    onLine(`# attestation ${pushed.repository}:${tag}`);
  }
}

/**
 * Another runner published the node's fingerprint first and this run adopted its image: the
 * record names that image, and that runner's attestation is its custody. It is kept here too
 * (the same signed envelope), never re-signed: there is one record per image, wherever it is read.
 */
export function recordAdopted(build: NodeBuild, image: { imageId: string; digest: string; attestation: Buffer }, onLine: (line: string) => void): void {
  build.state.writeRecord({ ...buildRecord(build, image.imageId), digest: image.digest, adopted: true });
  const stored = recordFromBytes(image.attestation);
  if ('corrupt' in stored) throw new Error(`record: the attestation of ${image.digest} was read as chain's provenance but ${stored.corrupt}`);
  const address = build.provenance.store.put(stored.envelope, build.node.name, image.imageId, parseDigestRef(image.digest).digest);
  onLine(`# provenance ${address} (the adopted image's own)`);
}

export function buildRecord(build: Pick<NodeBuild, 'node' | 'plan' | 'parents' | 'inputs'>, imageId: string): BuildRecord {
  const { node, inputs } = build;
  const nodeInputs = inputs.inputs[node.name];
  if (nodeInputs?.kind !== 'built') throw new Error(`build: no inputs for ${node.name}`);
  return {
    format: 1,
    node: node.name,
    fingerprint: build.plan.fingerprint,
    files: nodeInputs.files,
    args: recordableArgs(nodeInputs.args, node.secretArgs),
    ...(nodeInputs.version !== undefined ? { version: nodeInputs.version } : {}),
    parents: Object.fromEntries(
      Object.entries(build.parents).map(([name, parent]) => [name, { fingerprint: inputs.fingerprints[name] as string, image: storedName(parent) }]),
    ),
    imageId,
    builtAt: new Date().toISOString(),
  };
}

/** Signs (when a key is given) and stores the node's provenance; returns the record's address. */
function storeProvenance(build: NodeBuild, image: BuiltImage): string {
  const statement = provenanceStatement(provenanceInput(build, image));
  const envelope = signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), build.provenance.signingKey);
  return build.provenance.store.put(envelope, build.node.name, image.imageId, image.pushed ? parseDigestRef(image.pushed).digest : undefined);
}
