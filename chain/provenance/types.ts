/**
 * External record formats, typed from their specs.
 * - in-toto Statement v1: https://in-toto.io/Statement/v1
 * - SLSA Provenance v1: https://slsa.dev/provenance/v1
 * - DSSE envelope v1.0.0: https://github.com/secure-systems-lab/dsse
 */

/** in-toto ResourceDescriptor */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  /** DigestSet: algorithm -> hex, e.g. { sha256: "...", gitCommit: "..." } */
  digest?: Record<string, string>;
  annotations?: Record<string, string | boolean | number | string[]>;
}

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** What a chain build is: the classic builder on an exactly pinned parent, then tests. */
export const BUILD_TYPE = 'https://chain.dev/buildtypes/docker-classic/v1';
export const BUILDER_ID = 'https://chain.dev/builder/chain';

export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies?: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string>; builderDependencies?: ResourceDescriptor[] };
    metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
    byproducts?: ResourceDescriptor[];
  };
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof SLSA_PROVENANCE_V1;
  predicate: SlsaProvenanceV1;
}

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface Envelope {
  payloadType: string;
  /** base64 of the serialized statement */
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** A stored record: the envelope and its statement, or why it cannot be trusted. */
export type StoredRecord = { address: string; envelope: Envelope; statement: Statement } | { address: string; corrupt: string };
