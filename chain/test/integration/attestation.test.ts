/**
 * An independent check of what `chain build --push --sign-key` leaves in a real registry: the
 * attestation is read with plain fetch from the registry's API, its layout checked against
 * cosign's (specs/ATTESTATION_SPEC.md and the code that writes it), every digest and size
 * recomputed from the bytes, the DSSE PAE built here and the Ed25519 signature verified by
 * openssl against the public key file. No code of chain is used for the check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerEngine } from '../../adapters/docker.js';
import { exampleChainOn, removeChainImages, removeDirs, runCli, startRegistry, tempDir, type TestRegistry } from '../helpers.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MANIFEST_TYPES = [OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'];
const engine = new DockerEngine();
const it = suite('attestation');
let registry: TestRegistry;
let chain: { dir: string; name: string };
const temp = tempDir('chain-attestation-');

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface Manifest {
  schemaVersion: number;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: unknown;
  artifactType?: unknown;
}
interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function get(url: string, accept?: string): Promise<{ status: number; type: string; digest: string | null; bytes: Buffer }> {
  const r = await fetch(url, accept ? { headers: { accept } } : {});
  return { status: r.status, type: r.headers.get('content-type') ?? '', digest: r.headers.get('docker-content-digest'), bytes: Buffer.from(await r.arrayBuffer()) };
}

/** A blob by its descriptor, checked: the bytes hash to its digest and have its size. */
async function blob(repo: string, d: Descriptor): Promise<Buffer> {
  const r = await get(`http://${registry.host}/v2/${repo}/blobs/${d.digest}`);
  assert.is(r.status, 200, `${repo}@${d.digest}`);
  assert.is(sha256(r.bytes), d.digest, 'a blob hashes to the digest its descriptor names');
  assert.is(r.bytes.length, d.size, 'a blob has the size its descriptor says');
  return r.bytes;
}

/** DSSE v1.0.0 PAE, written out here: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

/** openssl pkeyutl -verify: Ed25519 over the raw message (-rawin), as DSSE signs PAE. */
function opensslVerifies(publicKey: string, message: Buffer, signature: Buffer, name: string): { ok: boolean; out: string } {
  const messageFile = path.join(temp, `${name}.pae`);
  const sigFile = path.join(temp, `${name}.sig`);
  writeFileSync(messageFile, message);
  writeFileSync(sigFile, signature);
  const r = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', publicKey, '-rawin', '-in', messageFile, '-sigfile', sigFile], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

it.before(async () => {
  await engine.ping();
  registry = await startRegistry();
  chain = exampleChainOn(registry.host);
});

it.after(async () => {
  await removeChainImages(engine, chain.name);
  await registry.stop();
  removeDirs(chain.dir, temp);
});

it('openssl here verifies Ed25519 over raw input (OpenSSL 3 pkeyutl -rawin)', () => {
  assert.match(execFileSync('openssl', ['version'], { encoding: 'utf8' }), /^OpenSSL 3\./);
});

it('every pushed image carries a cosign-layout attestation whose signature openssl verifies', async () => {
  assert.is((await runCli(['keys', 'generate', '--out', 'keys', '--name', 'ops-release'], { cwd: chain.dir })).code, 0);
  const publicKey = path.join(chain.dir, 'keys/ops-release.pub');
  const r = await runCli(['build', '--push', '--sign-key', 'keys/ops-release.key', '--json'], { cwd: chain.dir, engine });
  assert.is(r.code, 0, r.err);
  const nodes = (JSON.parse(r.out) as { nodes: { name: string; status: string; digest?: string }[] }).nodes.filter((n) => n.status === 'built');
  assert.is(nodes.length, 6);

  for (const node of nodes) {
    assert.ok(node.digest, `${node.name} was pushed`);
    const [ref = '', digest = ''] = node.digest.split('@');
    const repo = ref.slice(registry.host.length + 1);
    assert.is(repo, `${chain.name}/${node.name}`);
    const hex = digest.replace(/^sha256:/, '');

    // The image's own manifest, by digest: the bytes the attestation is about.
    const image = await get(`http://${registry.host}/v2/${repo}/manifests/${digest}`, MANIFEST_TYPES.join(', '));
    assert.is(image.status, 200);
    assert.is(sha256(image.bytes), digest, 'the pushed digest is the image manifest\'s');
    assert.ok(MANIFEST_TYPES.includes(image.type), image.type);

    // The attestation manifest, by the tag cosign derives from the digest.
    const att = await get(`http://${registry.host}/v2/${repo}/manifests/sha256-${hex}.att`, OCI_MANIFEST);
    assert.is(att.status, 200, `${repo}:sha256-${hex}.att`);
    assert.is(att.type, OCI_MANIFEST);
    assert.is(att.digest, sha256(att.bytes), 'the registry\'s digest of the attestation manifest is that of its bytes');
    const manifest = JSON.parse(att.bytes.toString('utf8')) as Manifest;
    assert.is(manifest.schemaVersion, 2);
    assert.is(manifest.mediaType, OCI_MANIFEST);
    // cosign's tag-based layout: the tag names the image; no subject, no artifactType (those are its OCI 1.1 referrers mode).
    assert.is(manifest.subject, undefined);
    assert.is(manifest.artifactType, undefined);

    // A real OCI image config, as go-containerregistry writes cosign's: one diff_id and one history entry per layer.
    assert.is(manifest.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    const config = JSON.parse((await blob(repo, manifest.config)).toString('utf8')) as { rootfs: { type: string; diff_ids: string[] }; history: unknown[]; config: object };
    assert.equal(config.rootfs, { type: 'layers', diff_ids: manifest.layers.map((l) => l.digest) });
    assert.is(config.history.length, manifest.layers.length);

    // One layer: the DSSE envelope, annotated as cosign annotates an attestation.
    assert.is(manifest.layers.length, 1);
    const [layer] = manifest.layers as [Descriptor];
    assert.is(layer.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.equal(layer.annotations, { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v1' });
    const envelope = JSON.parse((await blob(repo, layer)).toString('utf8')) as Envelope;

    // The envelope: in-toto payload in standard base64, one signature, verified by openssl over PAE built here.
    assert.is(envelope.payloadType, 'application/vnd.in-toto+json');
    assert.match(envelope.payload, /^[A-Za-z0-9+/]*={0,2}$/);
    assert.is(envelope.signatures.length, 1);
    const [signature] = envelope.signatures as [{ keyid?: string; sig: string }];
    assert.match(signature.sig, /^[A-Za-z0-9+/]*={0,2}$/);
    const body = Buffer.from(envelope.payload, 'base64');
    const sig = Buffer.from(signature.sig, 'base64');
    assert.is(sig.length, 64, 'an Ed25519 signature');
    const verified = opensslVerifies(publicKey, pae(envelope.payloadType, body), sig, node.name);
    assert.ok(verified.ok, verified.out);
    assert.is(verified.out, 'Signature Verified Successfully');

    // One byte of the statement changed: the same signature no longer verifies.
    const tampered = Buffer.from(body);
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] ?? 0) ^ 0x01;
    const refused = opensslVerifies(publicKey, pae(envelope.payloadType, tampered), sig, `${node.name}-tampered`);
    assert.not.ok(refused.ok, refused.out);
    assert.match(refused.out, /Signature Verification Failure/);

    // The statement is about this very image: its manifest digest.
    const statement = JSON.parse(body.toString('utf8')) as { _type: string; predicateType: string; subject: { name?: string; digest: Record<string, string> }[] };
    assert.is(statement._type, 'https://in-toto.io/Statement/v1');
    assert.is(statement.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(statement.subject.map((s) => s.digest.sha256), [hex]);
  }
});

it.run();
