/**
 * One image per fingerprint: what a runner that has pushed its image (staged, by digest) does next,
 * given what the fingerprint tag holds now. A registry has no compare-and-swap, so the protocol
 * (exec/claim.ts) writes, waits, reads again and decides again until it owns the tag or adopts
 * what it holds. This is the decision alone; no I/O here.
 */

/** What a fingerprint tag holds, as read: the manifest digest, and the fingerprint label of its image. */
export interface TagHolds {
  digest: string;
  fingerprint?: string;
}

/** The fingerprint tag of one repository, as the protocol sees it (adapters/registry-claim.ts over a registry). */
export interface ClaimOps {
  /** what the fingerprint tag holds now */
  read(): Promise<TagHolds | undefined>;
  /** writes our manifest under the fingerprint tag */
  write(): Promise<void>;
  /** chain's signed provenance stored beside the image with this digest, when it is there */
  attestation(digest: string): Promise<Buffer | undefined>;
}

export type ClaimStep =
  /** the tag names our image: we own the fingerprint, and write its attestation */
  | { step: 'own' }
  /** another runner's image of this fingerprint: wait for its attestation, then adopt it */
  | { step: 'wait'; digest: string }
  /** nothing of this fingerprint (or only a claim given up on): write ours */
  | { step: 'write' };

/**
 * `dead`: claims not to wait for: a claim whose attestation never came, or, for a forced
 * rebuild, the image the fingerprint tag held before (it is to be replaced). A tag whose image
 * carries another fingerprint (a 12-hex collision) is no claim either.
 */
export function claimStep(holds: TagHolds | undefined, ours: string, fingerprint: string, dead: ReadonlySet<string>): ClaimStep {
  if (holds?.digest === ours) return { step: 'own' };
  if (holds && holds.fingerprint === fingerprint && !dead.has(holds.digest)) return { step: 'wait', digest: holds.digest };
  return { step: 'write' };
}
