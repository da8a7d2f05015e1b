/** A provenance record read back from its bytes (the state folder, or an attestation in a registry). */
import { createHash } from 'node:crypto';
import { decodeBase64 } from './dsse.js';
import type { Envelope, Statement, StoredRecord } from './types.js';

/** The record these bytes hold; corrupt when they do not hash to the address they were stored under, or hold no statement. */
export function recordFromBytes(bytes: Buffer, address = createHash('sha256').update(bytes).digest('hex')): StoredRecord {
  if (createHash('sha256').update(bytes).digest('hex') !== address) return { address, corrupt: 'its content does not match its content address' };
  try {
    const envelope = JSON.parse(bytes.toString('utf8')) as Envelope;
    return { address, envelope, statement: JSON.parse(decodeBase64(envelope.payload).toString('utf8')) as Statement };
  } catch {
    return { address, corrupt: 'it is not a DSSE envelope holding a statement' };
  }
}
