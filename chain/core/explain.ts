/** Why a built node must be rebuilt: its reasons, from its last record and its current inputs (pure). */
import { observedImage, storeName } from './current.js';
import { recordableArgs } from './model.js';
import type { ChainGraph } from './graph.js';
import type { Observations } from './inputs.js';
import type { ChainConfig } from './model.js';
import type { Reason } from './reasons.js';

/** What explaining a node reads of the plan's input (plan.ts's PlanInput). */
export interface ExplainInput extends Observations {
  chain: ChainConfig;
  graph: ChainGraph;
  force: ReadonlySet<string>;
  since?: { ref: string; touched: ReadonlyMap<string, string[]> };
}

/** Why a built node must be rebuilt, from its last record and its current inputs. */
export function explain(name: string, input: ExplainInput, parentsBuilding: string[]): Reason[] {
  const reasons: Reason[] = [];
  if (input.force.has(name)) reasons.push({ kind: 'forced' });
  const changed = input.since?.touched.get(name);
  if (input.since && changed) reasons.push({ kind: 'changed-since', ref: input.since.ref, paths: changed });
  const current = input.inputs[name];
  const record = input.records[name];
  if (!current || current.kind !== 'built') return reasons;
  // Its image is there but nothing proves what it was built from: only that is missing.
  if (!input.force.has(name) && parentsBuilding.length === 0 && observedImage(name, input.fingerprints[name] as string, input)) {
    return [...reasons, { kind: 'unattested', store: storeName(input) }];
  }
  if (!record) {
    reasons.push({ kind: 'never-built' });
    return reasons;
  }

  const files = diffKeys(record.files, current.files);
  if (files.paths.length > 0) reasons.push({ kind: 'files-changed', ...files });
  // Secret args are not in records (their values must never be kept), so they cannot be compared.
  const node = input.chain.nodes[name];
  const args = diffKeys(record.args, recordableArgs(current.args, node?.kind === 'built' ? node.secretArgs : [])).paths;
  if (args.length > 0) reasons.push({ kind: 'args-changed', args });
  if (record.version !== current.version) {
    reasons.push({ kind: 'version-changed', ...(record.version ? { from: record.version } : {}), ...(current.version ? { to: current.version } : {}) });
  }
  for (const parent of input.graph.parents(name)) {
    const was = record.parents[parent];
    const parentInputs = input.inputs[parent];
    if (parentInputs?.kind === 'external') {
      if (was?.fingerprint !== input.fingerprints[parent]) {
        reasons.push({ kind: 'base-moved', parent, ...(was ? { from: was.image } : {}), ...(parentInputs.digest ? { to: parentInputs.digest } : {}) });
      }
    } else if (parentsBuilding.includes(parent) || was?.fingerprint !== input.fingerprints[parent]) {
      reasons.push({ kind: 'parent-rebuilt', parent });
    }
  }
  if (reasons.length === 0) reasons.push({ kind: 'image-missing', store: storeName(input) });
  return reasons;
}

function diffKeys(before: Record<string, string>, after: Record<string, string>) {
  const added = Object.keys(after).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in after));
  const modified = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
  return { paths: [...added, ...removed, ...modified].sort(), added: added.sort(), removed: removed.sort(), modified: modified.sort() };
}
