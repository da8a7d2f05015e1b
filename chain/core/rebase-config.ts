/**
 * The config of a rebased image (pure): the earlier image's config, its layers and history after
 * its old base's replaced by the new base's, and its labels updated. As go-containerregistry's
 * mutate.Rebase: rootfs.diff_ids = the new base's + the image's own; history = the new base's +
 * the image's own entries; everything else (Env, Cmd, User, created) is the image's own.
 */

/** The parts of an OCI / Docker image config a rebase reads; the rest is carried as it is. */
export interface ImageConfigJson {
  config?: { Labels?: Record<string, string> | null; [key: string]: unknown };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** Where the earlier image's own part begins: after its old base's layers and history entries. */
export interface OwnPart {
  baseLayers: number;
  baseHistory: number;
}

/** Labels chain writes on the images it builds (exec/labels.ts): replaced, never carried over from the earlier image. */
const OCI_KEYS = new Set(['title', 'source', 'description', 'version', 'revision', 'base.name', 'base.digest'].map((key) => `org.opencontainers.image.${key}`));
export const isChainLabel = (key: string): boolean => key.startsWith('dev.chain.') || OCI_KEYS.has(key);

/** The earlier image's own layers (diff IDs), after its old base's; throws when its config does not have them. */
export function ownLayers(old: ImageConfigJson, own: OwnPart): string[] {
  const layers = old.rootfs?.diff_ids ?? [];
  if (layers.length < own.baseLayers) throw new Error(`rebase: the image has ${layers.length} layers, fewer than its base's ${own.baseLayers}`);
  return layers.slice(own.baseLayers);
}

export function rebasedConfig(old: ImageConfigJson, base: ImageConfigJson, own: OwnPart, labels: Record<string, string>): ImageConfigJson {
  const history = old.history ?? [];
  if (history.length < own.baseHistory) throw new Error(`rebase: the image has ${history.length} history entries, fewer than its base's ${own.baseHistory}`);
  const kept = Object.entries(old.config?.Labels ?? {}).filter(([key]) => !isChainLabel(key));
  return {
    ...old,
    config: { ...old.config, Labels: Object.fromEntries([...kept, ...Object.entries(labels)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) },
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...ownLayers(old, own)] },
    history: [...(base.history ?? []), ...history.slice(own.baseHistory)],
  };
}
