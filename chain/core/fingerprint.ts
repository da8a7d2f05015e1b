/**
 * Input fingerprints: a sha256 over everything that decides what an image contains. Patching a
 * node changes exactly its own fingerprint and those downstream of it (parents' fingerprints are
 * inputs). Only semantic values are hashed, so comments and formatting of chain.yaml change
 * nothing.
 */
import { createHash } from 'node:crypto';
import type { ChainGraph } from './graph.js';
import type { BuiltInputs, NodeInputs } from './inputs.js';

const FORMAT = 'chain-fingerprint-v1';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted, so that equal values always hash equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Sorted "key=value" lines: the canonical form of a flat string map, cheaper than canonical JSON. */
function lines(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}=${JSON.stringify(map[k])}`)
    .join('\n');
}

export function nodeFingerprint(inputs: NodeInputs, parents: Record<string, string>): string {
  const body =
    inputs.kind === 'external'
      ? { kind: 'external', image: inputs.image, digest: inputs.digest ?? null }
      : {
          kind: 'built',
          files: lines(inputs.files),
          dockerfile: inputs.dockerfile,
          args: lines(inputs.args),
          version: inputs.version ?? null,
          parents: lines(parents),
          // Only when set: a classic node's fingerprint is the one it had before builders were chosen.
          ...(inputs.builder ? { builder: inputs.builder } : {}),
          ...(inputs.secrets?.length ? { secrets: [...inputs.secrets].sort() } : {}),
        };
  return sha256(`${FORMAT}\n${canonicalJson(body)}`);
}

/** The file that carries chain's own keys for a node (version, tests, args): not an input of the image's own layers. */
const LAYER_FILE = 'layer.yaml';

/**
 * The node's own inputs, without its parents and its version: its context files (but layer.yaml,
 * whose version a cascade bumps; its args are hashed apart), Dockerfile path and build args. Two
 * images with the same key differ only in what they were built on: what rebase relies on.
 */
export function ownInputsKey(inputs: BuiltInputs): string {
  const files = Object.fromEntries(Object.entries(inputs.files).filter(([file]) => file !== LAYER_FILE));
  return sha256(`chain-own-inputs-v1\n${canonicalJson({ files: lines(files), dockerfile: inputs.dockerfile, args: lines(inputs.args) })}`);
}

/** Fingerprints of every node with inputs, parents first. */
export function computeFingerprints(graph: ChainGraph, inputs: Record<string, NodeInputs>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const wave of graph.waves(Object.keys(inputs))) {
    for (const name of wave) {
      const parents = Object.fromEntries(graph.parents(name).map((p) => [p, out[p] ?? 'missing']));
      out[name] = nodeFingerprint(inputs[name] as NodeInputs, parents);
    }
  }
  return out;
}
