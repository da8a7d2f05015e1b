/**
 * Provenance records, content-addressed in the state folder: records/<sha256 of the bytes>.json,
 * with small indexes by subject digest and by node. A record whose bytes no longer hash to its
 * address is reported as corrupt, never read as if it were fine.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readRegularFile, readRegularText } from './files.js';
import path from 'node:path';
import { recordFromBytes } from '../provenance/record.js';
import type { Envelope, StoredRecord } from '../provenance/types.js';
import { STATE_DIR, writeFileAtomic } from './state.js';

export type { StoredRecord } from '../provenance/types.js';

const hex = (digest: string) => digest.replace(/^sha256:/, '');

export class ProvenanceStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, STATE_DIR, 'provenance');
  }

  recordFile(address: string): string {
    return path.join(this.dir, 'records', `${address}.json`);
  }

  /** Stores an envelope, indexed by the image's ID and its manifest digest; returns its address. */
  put(envelope: Envelope, node: string, imageId: string, manifestDigest?: string): string {
    const bytes = `${JSON.stringify(envelope)}\n`;
    const address = createHash('sha256').update(bytes).digest('hex');
    writeFileAtomic(this.recordFile(address), bytes);
    for (const digest of [imageId, manifestDigest]) if (digest) writeFileAtomic(path.join(this.dir, 'subjects', hex(digest)), address);
    writeFileAtomic(path.join(this.dir, 'nodes', node), address);
    return address;
  }

  get(address: string): StoredRecord | undefined {
    let bytes: Buffer;
    try {
      bytes = readRegularFile(this.recordFile(address));
    } catch {
      return undefined;
    }
    return recordFromBytes(bytes, address);
  }

  private index(kind: 'subjects' | 'nodes', key: string): string | undefined {
    try {
      return readRegularText(path.join(this.dir, kind, key)).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Every image digest (sha256:...) a stored record is about: one folder read. */
  subjects(): Set<string> {
    try {
      return new Set(readdirSync(path.join(this.dir, 'subjects')).map((hexDigest) => `sha256:${hexDigest}`));
    } catch {
      return new Set();
    }
  }

  /** The record whose subject is this image digest. */
  bySubject(digest: string): StoredRecord | undefined {
    const address = this.index('subjects', hex(digest));
    return address ? this.get(address) : undefined;
  }

  /** The node's latest record. */
  latest(node: string): StoredRecord | undefined {
    const address = this.index('nodes', node);
    return address ? this.get(address) : undefined;
  }
}
