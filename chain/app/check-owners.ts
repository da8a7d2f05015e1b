/**
 * `chain check-owners`: every commit since a ref, checked against who may change what
 * (core/ownership-rules.ts). Reads git only: the commits with their files (both sides of a
 * rename, a merge's own edits), chain.yaml and chain.lock before and after each, and, for a node
 * folder's layer.yaml, whether only its version moved (a cascade's bump).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { chainGraph } from '../core/graph.js';
import type { ChainConfig } from '../core/model.js';
import { commitViolations, type CommitChange, type OwnershipViolation } from '../core/ownership-rules.js';
import { LAYER_FILE } from '../config/find.js';
import { parseChainText } from '../config/read.js';
import { LOCK_FILE } from '../adapters/pins.js';
import type { Commit, GitRepo } from '../adapters/git.js';
import type { AppDeps } from './deps.js';
import { openChain } from './open.js';

export interface OwnershipCheck {
  since: string;
  /** commits checked */
  commits: number;
  /** whether commit signatures were required and checked */
  signed: boolean;
  violations: OwnershipViolation[];
}

export async function checkOwners(deps: AppDeps, file: string, since: string): Promise<OwnershipCheck> {
  const { config } = await openChain(file);
  const git = deps.git(config.root);
  if (!(await git.exists(since))) fail('E_GIT_REF', `'${since}' is not a commit of the repository at ${config.root}`, { hint: 'fetch it, or name a branch, tag or commit that exists' });
  const signers = config.requireSignedCommits ? allowedSigners(config) : undefined;
  try {
    const commits = await git.commitsSince(since, signers?.file);
    const context = { config, graph: chainGraph(config), chainYaml: path.basename(config.file), lockFile: LOCK_FILE, requireSigned: config.requireSignedCommits ?? false };
    const violations: OwnershipViolation[] = [];
    for (const commit of commits) violations.push(...commitViolations(await changeOf(git, config, commit, context.chainYaml), context));
    return { since, commits: commits.length, signed: signers !== undefined, violations };
  } finally {
    signers?.remove();
  }
}

/** What a commit changed, read from git: chain.yaml and chain.lock on both sides, and version-only layer.yaml bumps. */
async function changeOf(git: GitRepo, config: ChainConfig, commit: Commit, chainYaml: string): Promise<CommitChange> {
  const at = async (rev: string | undefined, file: string) => (rev ? git.show(rev, file) : undefined);
  const json = (text: string | undefined): unknown => {
    try {
      return text === undefined ? undefined : JSON.parse(text);
    } catch {
      return { unreadable: text }; // any change to a broken lock is a change to its whole content
    }
  };
  // chain.yaml before the commit decides who may do what; the rest is read only where the commit changed it.
  const touched = (file: string) => commit.files.includes(file);
  const [chainBefore, chainAfter, lockBefore, lockAfter] = await Promise.all([
    at(commit.parent, chainYaml),
    touched(chainYaml) ? at(commit.sha, chainYaml) : undefined,
    touched(LOCK_FILE) ? at(commit.parent, LOCK_FILE) : undefined,
    touched(LOCK_FILE) ? at(commit.sha, LOCK_FILE) : undefined,
  ]);
  const rawBefore = parseChainText(chainBefore);
  const versionOnly = new Set<string>();
  const bumped = new Set<string>();
  for (const changed of commit.files.filter((f) => path.posix.basename(f) === LAYER_FILE)) {
    const node = Object.values(config.nodes).find((n) => n.kind === 'built' && `${n.path}/${LAYER_FILE}` === changed);
    if (!node) continue;
    const [was, now] = [parseChainText(await at(commit.parent, changed), changed), parseChainText(await at(commit.sha, changed), changed)] as (Record<string, unknown> | undefined)[];
    if (!was || !now || was.version === now.version) continue;
    bumped.add(node.name);
    if (JSON.stringify({ ...was, version: null }) === JSON.stringify({ ...now, version: null })) versionOnly.add(changed);
  }
  return {
    sha: commit.sha,
    email: commit.email,
    ...(commit.signer ? { signer: commit.signer } : {}),
    files: commit.files,
    chainBefore: rawBefore,
    chainAfter: touched(chainYaml) ? parseChainText(chainAfter) : rawBefore,
    lockBefore: json(lockBefore),
    lockAfter: json(lockAfter),
    versionOnly,
    bumped,
  };
}

/** git's allowed-signers file, from the members' keys in chain.yaml, in a temporary folder. */
function allowedSigners(config: ChainConfig): { file: string; remove(): void } {
  const lines = Object.values(config.teams).flatMap((t) => Object.entries(t.signingKeys ?? {}).map(([member, key]) => `${member} namespaces="git" ${key}`));
  if (lines.length === 0) fail('E_NO_SIGNERS', 'chain.yaml sets requireSignedCommits, but no team lists signingKeys', { hint: 'give each member who commits a key: teams.<team>.signingKeys: { <member>: "ssh-ed25519 AAAA..." }', location: { file: config.file } });
  const dir = mkdtempSync(path.join(tmpdir(), 'chain-signers-'));
  const file = path.join(dir, 'allowed_signers');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
