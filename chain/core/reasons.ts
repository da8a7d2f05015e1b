/** Why a node must be rebuilt: typed, so renderers and scripts can rely on the shape. */

export type Reason =
  | { kind: 'never-built' }
  /** store: where it was looked for ("the registry host/prefix", "the local engine") */
  | { kind: 'image-missing'; store?: string }
  /** an image with this fingerprint exists, but no provenance record about it: rebuilt to record one */
  | { kind: 'unattested'; store: string }
  | { kind: 'forced' }
  | { kind: 'files-changed'; paths: string[]; added: string[]; removed: string[]; modified: string[] }
  | { kind: 'parent-rebuilt'; parent: string }
  | { kind: 'base-moved'; parent: string; from?: string; to?: string }
  | { kind: 'args-changed'; args: string[] }
  | { kind: 'version-changed'; from?: string; to?: string }
  | { kind: 'changed-since'; ref: string; paths: string[] }
  | { kind: 'needs-consent'; parent: string; range: string; version: string; owner: string }
  | { kind: 'parent-held'; parent: string }
  /** its base parent changed and nothing of its own: its own layers are placed on the new base (from: the image rebased) */
  | { kind: 'rebase'; parent: string; from: string; onto?: string };

export type ReasonKind = Reason['kind'];

const short = (digest: string | undefined) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'none');

function listed(paths: string[], max = 3): string {
  const head = paths.slice(0, max).join(', ');
  return paths.length > max ? `${head} and ${paths.length - max} more` : head;
}

/** One line of English per reason; the only place reasons are worded. */
export function describeReason(reason: Reason): string {
  switch (reason.kind) {
    case 'never-built':
      return 'never built';
    case 'image-missing':
      return `no image with this fingerprint in ${reason.store ?? 'the image store'}`;
    case 'unattested':
      return `its image in ${reason.store} has no provenance record: rebuilt to record one`;
    case 'forced':
      return 'forced';
    case 'files-changed':
      return `files changed: ${listed(reason.paths)}`;
    case 'parent-rebuilt':
      return `parent ${reason.parent} rebuilt`;
    case 'base-moved':
      return `base ${reason.parent} moved: ${short(reason.from)} -> ${short(reason.to)}`;
    case 'args-changed':
      return `build args changed: ${reason.args.join(', ')}`;
    case 'version-changed':
      return `version ${reason.from ?? 'none'} -> ${reason.to ?? 'none'}`;
    case 'changed-since':
      return `changed since ${reason.ref}: ${listed(reason.paths)}`;
    case 'needs-consent':
      return `held: accepts ${reason.parent}@${reason.range}, which is now ${reason.version}; needs ${reason.owner}'s consent`;
    case 'parent-held':
      return `held: parent ${reason.parent} is held`;
    case 'rebase':
      return `base parent ${reason.parent} rebuilt; own inputs unchanged: rebased from ${short(reason.from)} onto ${reason.onto ? short(reason.onto) : `${reason.parent}'s new image`}`;
  }
}
