/**
 * One image per fingerprint, whatever races. Runners that share a registry may build the same
 * node at the same moment; the registry has no compare-and-swap, so each one, its image pushed
 * under the staging tag (layers and manifest in the registry, by digest):
 *
 * 1. reads the fingerprint tag. Another runner's image of this fingerprint there: it waits for
 *    that image's attestation (polling) and adopts it. Attested within the claim timeout, that
 *    image is the node's; not attested by then, the claim is dead (its runner was killed) and is
 *    taken over as if the tag were empty;
 * 2. empty: it writes its own manifest under the fingerprint tag, waits the settle time, and
 *    reads the tag again (step 1 again): still its own, it owns the fingerprint; another runner's
 *    (that one wrote last), it adopts that one. The gap between a read and a write is one
 *    request, so every runner that raced converges on what the tag finally holds.
 *
 * The owner then records and attests its image, and confirms (this again): a runner that wrote
 * later than a whole settle time after its read still makes it adopt the last writer's image.
 */
import { claimStep, type ClaimOps } from '../core/claim.js';
import { ChainError, ExitCode, problem } from '../core/errors.js';

export type { ClaimOps } from '../core/claim.js';

export interface ClaimTimings {
  /** how long a writer waits before reading the tag again */
  settleMs: number;
  /** how often a runner that waits for another's attestation looks */
  pollMs: number;
  /** how long a claim without an attestation is waited for before it is taken over */
  claimTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const CLAIM_TIMINGS: ClaimTimings = {
  settleMs: 1000,
  pollMs: 250,
  claimTimeoutMs: 20_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

export type Claim = { kind: 'own' } | { kind: 'adopt'; digest: string; attestation: Buffer };

export interface ClaimRequest {
  /** the manifest digest of our image (sha256:...) */
  ours: string;
  fingerprint: string;
  /** a forced rebuild replaces the image the tag holds now instead of adopting it */
  replace?: boolean;
  onLine?: (line: string) => void;
}

/** Rounds of write-and-read-again before giving up: each needs another runner to write in between. */
const MAX_ROUNDS = 10;

export async function claimFingerprint(ops: ClaimOps, request: ClaimRequest, timings: ClaimTimings = CLAIM_TIMINGS): Promise<Claim> {
  const { ours, fingerprint } = request;
  const dead = new Set<string>();
  let first = true;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const holds = await ops.read();
    if (first && request.replace && holds && holds.digest !== ours) dead.add(holds.digest);
    first = false;
    const next = claimStep(holds, ours, fingerprint, dead);
    if (next.step === 'own') return { kind: 'own' };
    if (next.step === 'wait') {
      request.onLine?.(`# another runner claimed this fingerprint with ${next.digest}: waiting for its attestation`);
      const waited = await awaitAttestation(ops, next.digest, timings);
      if (waited.kind === 'attested') return { kind: 'adopt', digest: next.digest, attestation: waited.attestation };
      if (waited.kind === 'moved') continue;
      dead.add(next.digest);
      request.onLine?.(`# ${next.digest} got no attestation within ${timings.claimTimeoutMs / 1000} s: its claim is dead, taking it over`);
    }
    await ops.write();
    await timings.sleep(timings.settleMs);
  }
  throw new ChainError(
    [problem('E_REGISTRY_CLAIM', `the fingerprint tag fp-${fingerprint.slice(0, 12)} kept changing hands over ${MAX_ROUNDS} rounds`, { hint: 'another runner keeps rewriting it: build this node again' })],
    ExitCode.registry,
  );
}

type Waited = { kind: 'attested'; attestation: Buffer } | { kind: 'moved' } | { kind: 'dead' };

/**
 * Waits for the attestation of the image the tag holds; stops when the tag moves to another
 * image (an attestation of an image no longer under the tag is no reason to adopt it).
 */
async function awaitAttestation(ops: ClaimOps, digest: string, timings: ClaimTimings): Promise<Waited> {
  const end = timings.now() + timings.claimTimeoutMs;
  for (;;) {
    const attestation = await ops.attestation(digest);
    if ((await ops.read())?.digest !== digest) return { kind: 'moved' };
    if (attestation) return { kind: 'attested', attestation };
    if (timings.now() >= end) return { kind: 'dead' };
    await timings.sleep(timings.pollMs);
  }
}
