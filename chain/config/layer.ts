/** A node's layer.yaml: the keys its team owns, merged into chain.yaml's; a key set in both is an error. */
import path from 'node:path';
import { problem, type Location, type Problem } from '../core/errors.js';
import { LAYER_FILE } from './find.js';
import type { Listings } from './listing.js';
import { readTextInto, type RawNode } from './read.js';
import { validateAgainst } from './schema.js';
import { YamlSource } from './yaml-source.js';

export const LAYER_KEYS = ['version', 'args', 'test', 'secretArgs', 'testLimits', 'description', 'builder', 'secrets', 'rebase', 'rebaseFallback'] as const;
export type LayerKeys = Pick<RawNode, (typeof LAYER_KEYS)[number]>;

export interface Merged {
  keys: LayerKeys;
  /** where a key's value was set */
  at: (key: (typeof LAYER_KEYS)[number]) => Location;
}

export function mergeLayer(name: string, rawNode: RawNode, contextAbs: string, chainSource: YamlSource, problems: Problem[], listings: Listings): Merged {
  const layerFile = path.join(contextAbs, LAYER_FILE);
  const fromChain: LayerKeys = Object.fromEntries(LAYER_KEYS.filter((k) => rawNode[k] !== undefined).map((k) => [k, rawNode[k]]));
  const inChain: Merged = { keys: fromChain, at: (key) => chainSource.locate(['nodes', name, key]) };
  if (!listings.entry(contextAbs, LAYER_FILE)) return inChain;
  const text = readTextInto(layerFile, 'E_LAYER_READ', 'layer file', problems);
  if (text === undefined) return inChain;
  const layer = new YamlSource(layerFile, text);
  if (layer.problems.length > 0) {
    problems.push(...layer.problems);
    return inChain;
  }
  const data = layer.toJS() ?? {};
  const schemaProblems = validateAgainst('layer', data, layer);
  if (schemaProblems.length > 0) {
    problems.push(...schemaProblems);
    return inChain;
  }
  const fromLayer = data as LayerKeys;
  for (const key of LAYER_KEYS) {
    if (fromLayer[key] !== undefined && fromChain[key] !== undefined) {
      const chainAt = chainSource.locate(['nodes', name, key], 'key');
      const chainFile = path.relative(path.dirname(chainSource.file), chainAt.file);
      problems.push(problem('E_KEY_CONFLICT', `node ${name}: '${key}' is set both in ${LAYER_FILE} and in ${chainFile}:${chainAt.line}:${chainAt.col}`, {
        hint: `keep ${key} in one place: the team's ${LAYER_FILE} owns version, args, test and description`,
        location: layer.locate([key], 'key'),
      }));
    }
  }
  return {
    keys: { ...fromChain, ...fromLayer },
    at: (key) => (fromLayer[key] !== undefined ? layer.locate([key]) : inChain.at(key)),
  };
}
