/**
 * DSSE v1.0.0 signing and verification with Ed25519 through Node's own crypto. The signature is
 * over PAE(payloadType, payload), not over the base64 text. `keyid` is a hint only: verification
 * tries every trusted key and never trusts the keyid.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Envelope } from './types.js';

/** Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** A key's id: sha256 of its SubjectPublicKeyInfo (DER), hex. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * Payload and signature in standard base64 with padding: cosign's claim and policy checks decode
 * the payload with Go's base64.StdEncoding, which takes nothing else (pkg/cosign/verifiers.go,
 * pkg/policy/attestation.go). The keyid is chain's own (sha256 of the SPKI). cosign's
 * verify-attestation ignores it (pkg/cosign/verify.go verifyOCIAttestation gives
 * go-securesystemslib no key id and no public key to compare), but go-securesystemslib's verifier
 * skips a signature whose non-empty keyid differs from the id it has or computes for its key
 * (dsse/verify.go; sigstore-go and sigstore's dsse.WrapVerifier compute the SSH SHA256
 * fingerprint), so those reject it; sigstore's own DSSE signer writes `"keyid":""`.
 */
export function signEnvelope(payloadType: string, body: Buffer, privateKey?: KeyObject): Envelope {
  const envelope: Envelope = { payloadType, payload: body.toString('base64'), signatures: [] };
  if (privateKey) envelope.signatures.push({ keyid: keyId(privateKey), sig: sign(null, pae(payloadType, body), privateKey).toString('base64') });
  return envelope;
}

/** Standard and URL-safe base64 alike. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export type SignatureCheck = { ok: true; keyid: string } | { ok: false; reason: 'unsigned' | 'untrusted' };

/** Whether some signature verifies against some trusted key (keyids only say which was used). */
export function verifyEnvelope(envelope: Envelope, trusted: readonly KeyObject[]): SignatureCheck {
  if (envelope.signatures.length === 0) return { ok: false, reason: 'unsigned' };
  const message = pae(envelope.payloadType, decodeBase64(envelope.payload));
  for (const signature of envelope.signatures) {
    for (const key of trusted) {
      if (verify(null, message, key, decodeBase64(signature.sig))) return { ok: true, keyid: keyId(key) };
    }
  }
  return { ok: false, reason: 'untrusted' };
}
