/**
 * The attestation layout (cosign's tag-based one) and the DSSE envelope as other tools read them,
 * and putAttestation / getAttestation against an in-memory registry.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RegistryClient, type Descriptor } from '../../adapters/registry.js';
import {
  attestationConfig,
  attestationLayer,
  attestationManifest,
  attestationTag,
  envelopeStatement,
  getAttestation,
  isChainProvenance,
  putAttestation,
} from '../../adapters/registry-images.js';
import { pae, signEnvelope, verifyEnvelope } from '../../provenance/dsse.js';
import { provenanceStatement, type ProvenanceInput } from '../../provenance/statement.js';
import { PAYLOAD_TYPE, SLSA_PROVENANCE_V1 } from '../../provenance/types.js';

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const IMAGE = `sha256:${'a'.repeat(64)}`;
const subject: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: IMAGE, size: 1234 };
const key = generateKeyPairSync('ed25519');

function provenance(image: string, invocationId = 'B1'): Buffer {
  const input: ProvenanceInput = {
    chain: 'acme', node: 'site', owner: 'web', tier: 'app', repository: 'reg.example/acme/site',
    image: { digest: image, kind: 'manifest' }, context: 'layers/app/site', dockerfile: 'Dockerfile',
    args: {}, secretArgs: [], fingerprint: 'f'.repeat(64), parents: [], builder: { chain: '0.1.0' },
    invocationId, startedOn: '2026-01-01T00:00:00.000Z', finishedOn: '2026-01-01T00:00:01.000Z',
  };
  const envelope = signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify(provenanceStatement(input))), key.privateKey);
  return Buffer.from(`${JSON.stringify(envelope)}\n`); // as the provenance store writes it
}

test('the config is the one cosign writes: 233 bytes for one layer, as in the spec example', () => {
  const layer = attestationLayer(Buffer.from('x'), SLSA_PROVENANCE_V1);
  const config = attestationConfig([layer]);
  assert.is(config.length, 233);
  assert.is(
    config.toString(),
    `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${layer.digest}"]},"config":{}}`,
  );
});

test('the layer and the manifest: cosign media types, annotations and field order; no subject, no artifactType', () => {
  const envelope = Buffer.from('{"payloadType":"x"}\n');
  const layer = attestationLayer(envelope, SLSA_PROVENANCE_V1);
  assert.equal(layer, {
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    size: envelope.length,
    digest: sha256(envelope),
    annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v1' },
  });
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', size: 233, digest: sha256('c') };
  assert.is(
    attestationManifest(config, [layer]).toString(),
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"${config.digest}"},` +
      `"layers":[{"mediaType":"application/vnd.dsse.envelope.v1+json","size":${envelope.length},"digest":"${layer.digest}","annotations":{"dev.cosignproject.cosign/signature":"","predicateType":"https://slsa.dev/provenance/v1"}}]}`,
  );
  assert.is(attestationTag(IMAGE), `sha256-${'a'.repeat(64)}.att`);
});

test('the envelope as other verifiers read it: standard padded base64, PAE over the raw statement', () => {
  // A body whose base64 has + and / and padding, which URL-safe base64 would spell otherwise.
  const body = Buffer.from([0xfb, 0xff, 0xbf, 0x3e, 0x3f]);
  const envelope = signEnvelope(PAYLOAD_TYPE, body, key.privateKey);
  assert.is(envelope.payload, '+/+/Pj8=');
  assert.is(envelope.signatures.length, 1);
  assert.match(envelope.signatures[0]?.sig ?? '', /^[A-Za-z0-9+/]{86}==$/, 'a 64-byte Ed25519 signature in standard base64');
  const message = Buffer.concat([Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${body.length} `), body]);
  assert.equal(pae(PAYLOAD_TYPE, body), message);
  assert.equal(verifyEnvelope(envelope, [key.publicKey]).ok, true);
});

test('chain provenance is told apart: predicate type, builder and subject', () => {
  const statement = envelopeStatement(provenance(IMAGE));
  assert.is(statement?.predicateType, SLSA_PROVENANCE_V1);
  assert.ok(isChainProvenance(statement, IMAGE));
  assert.not.ok(isChainProvenance(statement, `sha256:${'b'.repeat(64)}`), 'about another image');
  assert.not.ok(isChainProvenance(statement && { ...statement, predicate: { ...statement.predicate, runDetails: { builder: { id: 'https://other.example/builder' } } } }, IMAGE));
  assert.not.ok(isChainProvenance(statement && { ...statement, predicateType: 'https://spdx.dev/Document' } as never, IMAGE));
  assert.is(envelopeStatement(Buffer.from('not json')), undefined);
  assert.is(envelopeStatement(Buffer.from('{"payload":42}')), undefined);
});

/** A registry in memory: blobs and manifests by repository, monolithic uploads. */
function memoryRegistry(): { fetch: typeof fetch; blobs: Map<string, Buffer>; manifests: Map<string, { type: string; bytes: Buffer }> } {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { type: string; bytes: Buffer }>();
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (blob && (method === 'GET' || method === 'HEAD')) {
      const bytes = blobs.get(`${blob[1]}@${blob[2]}`);
      return bytes ? new Response(method === 'HEAD' ? null : bytes) : new Response(null, { status: 404 });
    }
    if (url.pathname.endsWith('/blobs/uploads/') && method === 'POST') return new Response(null, { status: 202, headers: { location: `${url.pathname}u1` } });
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/u1$/.exec(url.pathname);
    if (upload && method === 'PUT') {
      blobs.set(`${upload[1]}@${url.searchParams.get('digest')}`, Buffer.from(init?.body as Buffer));
      return new Response(null, { status: 201 });
    }
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest && method === 'PUT') {
      const stored = { type: new Headers(init?.headers).get('content-type') ?? '', bytes: Buffer.from(init?.body as Buffer) };
      manifests.set(`${manifest[1]}:${manifest[2]}`, stored);
      manifests.set(`${manifest[1]}@${sha256(stored.bytes)}`, stored);
      return new Response(null, { status: 201, headers: { 'docker-content-digest': sha256(stored.bytes) } });
    }
    if (manifest && method === 'GET') {
      const stored = manifests.get(`${manifest[1]}:${manifest[2]}`);
      return stored ? new Response(stored.bytes, { headers: { 'content-type': stored.type, 'docker-content-digest': sha256(stored.bytes) } }) : new Response(null, { status: 404 });
    }
    return new Response(null, { status: 400 });
  };
  return { fetch: impl as typeof fetch, blobs, manifests };
}

interface Stored {
  config: Descriptor;
  layers: Descriptor[];
  subject?: unknown;
  artifactType?: unknown;
}
const storedManifest = (reg: ReturnType<typeof memoryRegistry>) => JSON.parse(reg.manifests.get(`acme/site:${attestationTag(IMAGE)}`)?.bytes.toString() ?? 'null') as Stored;

test('put: one manifest under the tag, every descriptor naming bytes the registry holds; get returns the envelope', async () => {
  const reg = memoryRegistry();
  const client = new RegistryClient('reg.example', undefined, reg.fetch);
  const envelope = provenance(IMAGE);
  assert.is(await putAttestation(client, 'acme/site', subject, envelope), attestationTag(IMAGE));
  const m = storedManifest(reg);
  assert.is(reg.manifests.get(`acme/site:${attestationTag(IMAGE)}`)?.type, 'application/vnd.oci.image.manifest.v1+json');
  assert.is(m.subject, undefined);
  assert.is(m.artifactType, undefined);
  for (const d of [m.config, ...m.layers]) {
    const bytes = reg.blobs.get(`acme/site@${d.digest}`);
    assert.ok(bytes, d.digest);
    assert.is(sha256(bytes), d.digest);
    assert.is(bytes.length, d.size);
  }
  assert.equal(m.layers, [attestationLayer(envelope, SLSA_PROVENANCE_V1)]);
  assert.equal((await getAttestation(client, 'acme/site', IMAGE))?.toString(), envelope.toString());
  assert.is(await getAttestation(client, 'acme/site', `sha256:${'b'.repeat(64)}`), undefined);
});

test('re-attesting: chain\'s older record is replaced, another tool\'s attestation stays, the newest goes last', async () => {
  const reg = memoryRegistry();
  const client = new RegistryClient('reg.example', undefined, reg.fetch);
  await putAttestation(client, 'acme/site', subject, provenance(IMAGE, 'B1'));
  // Another tool appends an SBOM attestation, as cosign attest would (and a layer whose blob is gone).
  const sbom = Buffer.from(JSON.stringify(signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://spdx.dev/Document', predicate: {} })))));
  const sbomLayer = attestationLayer(sbom, 'https://spdx.dev/Document');
  reg.blobs.set(`acme/site@${sbomLayer.digest}`, sbom);
  const gone = attestationLayer(Buffer.from('gone'), SLSA_PROVENANCE_V1);
  const first = storedManifest(reg);
  reg.manifests.set(`acme/site:${attestationTag(IMAGE)}`, { type: 'application/vnd.oci.image.manifest.v1+json', bytes: attestationManifest(first.config, [...first.layers, sbomLayer, gone]) });

  const newer = provenance(IMAGE, 'B2');
  await putAttestation(client, 'acme/site', subject, newer);
  const m = storedManifest(reg);
  assert.equal(m.layers, [sbomLayer, attestationLayer(newer, SLSA_PROVENANCE_V1)]);
  assert.equal(JSON.parse(reg.blobs.get(`acme/site@${m.config.digest}`)?.toString() ?? '{}').rootfs.diff_ids, m.layers.map((l) => l.digest));
  assert.equal((await getAttestation(client, 'acme/site', IMAGE))?.toString(), newer.toString());

  // The same record again changes nothing.
  const before = reg.manifests.get(`acme/site:${attestationTag(IMAGE)}`)?.bytes.toString();
  await putAttestation(client, 'acme/site', subject, newer);
  assert.is(reg.manifests.get(`acme/site:${attestationTag(IMAGE)}`)?.bytes.toString(), before);
});

test('get: the newest chain layer, past other tools\' layers after it', async () => {
  const reg = memoryRegistry();
  const client = new RegistryClient('reg.example', undefined, reg.fetch);
  const older = provenance(IMAGE, 'B1');
  const newer = provenance(IMAGE, 'B2');
  const other = Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}');
  for (const b of [older, newer, other]) reg.blobs.set(`acme/site@${sha256(b)}`, b);
  const layers = [attestationLayer(older, SLSA_PROVENANCE_V1), attestationLayer(newer, SLSA_PROVENANCE_V1), attestationLayer(other, 'https://spdx.dev/Document')];
  reg.manifests.set(`acme/site:${attestationTag(IMAGE)}`, { type: 'application/vnd.oci.image.manifest.v1+json', bytes: attestationManifest({ mediaType: 'x', size: 0, digest: sha256('') }, layers) });
  assert.equal((await getAttestation(client, 'acme/site', IMAGE))?.toString(), newer.toString());
});

test('put refuses an envelope that is not chain\'s provenance of the image (a bug, not a user error)', async () => {
  const client = new RegistryClient('reg.example', undefined, memoryRegistry().fetch);
  const other = { ...subject, digest: `sha256:${'b'.repeat(64)}` };
  try {
    await putAttestation(client, 'acme/site', other, provenance(IMAGE));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /not chain's provenance of sha256:b/);
  }
});

test.run();
