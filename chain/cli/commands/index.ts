/** The command table. Each command's code is loaded only when it runs. */
import type { Run } from '../command.js';

export interface CommandSpec {
  summary: string;
  usage: string;
  load: () => Promise<{ run: Run }>;
}

export const commands: Record<string, CommandSpec> = {
  plan: {
    summary: 'what must be rebuilt and why, by wave and by owner',
    usage: 'chain plan [node...] [--since <git ref>] [--json] [--force] [--file <chain.yaml>]',
    load: () => import('./plan.js'),
  },
  build: {
    summary: 'build what the plan says, in parallel, test each image, promote what succeeded',
    usage: 'chain build [node...] [--since <git ref>] [--json] [--jobs N] [--fail-fast] [--atomic] [--no-wait] [--test-timeout S] [--push] [--sign-key <file>] [--reason "..."] [--force] [--verbose] [--file <chain.yaml>]',
    load: () => import('./build.js'),
  },
  patch: {
    summary: "bump a node's version and cascade patch bumps to every descendant that accepts it",
    usage: 'chain patch <node> [--level patch|minor|major] [--reason "..."] [--dry-run] [--json] [--file <chain.yaml>]',
    load: () => import('./patch.js'),
  },
  update: {
    summary: 'resolve external images again and rewrite the pins in chain.lock that moved (--check: report drift)',
    usage: 'chain update [node...] [--check] [--json] [--file <chain.yaml>]',
    load: () => import('./update.js'),
  },
  nightly: {
    summary: 'the unattended cascade: update pins, bump, build, test, push, sign, commit on a branch, report',
    usage: 'chain nightly [--push] [--sign-key <file>] [--out <report folder>] [--json] [--file <chain.yaml>]',
    load: () => import('./nightly.js'),
  },
  lint: {
    summary: 'apply the policies in policies/ (file:line:col, rule, node, message; grouped by owner)',
    usage: 'chain lint [node...] [--json] [--file <chain.yaml>]',
    load: () => import('./lint.js'),
  },
  provenance: {
    summary: "a node's latest signed provenance (in-toto statement, SLSA provenance)",
    usage: 'chain provenance <node> [--json] [--file <chain.yaml>]',
    load: () => import('./provenance.js'),
  },
  verify: {
    summary: 'verify the chain of custody of an image down to its base',
    usage: 'chain verify <node | image reference> [--json] [--file <chain.yaml>]',
    load: () => import('./verify.js'),
  },
  why: {
    summary: "an image's family tree: each layer's owner, version and digest",
    usage: 'chain why <node | image reference> [--json] [--file <chain.yaml>]',
    load: () => import('./why.js'),
  },
  owners: {
    summary: 'every node with its tier, owning team, members and contact',
    usage: 'chain owners [--json] [--file <chain.yaml>]',
    load: () => import('./owners.js'),
  },
  codeowners: {
    summary: "write CODEOWNERS from chain.yaml (--check: fail when it is out of date)",
    usage: 'chain codeowners [--check] [--out <file>] [--file <chain.yaml>]',
    load: () => import('./codeowners.js'),
  },
  'check-owners': {
    summary: 'flag changes since a git ref made outside the owning team',
    usage: 'chain check-owners --since <git ref> [--json] [--file <chain.yaml>]',
    load: () => import('./check-owners.js'),
  },
  keys: {
    summary: 'make an Ed25519 key pair for signing provenance',
    usage: 'chain keys generate [--out <folder>] [--name <name>]',
    load: () => import('./keys.js'),
  },
  graph: {
    summary: 'the graph by tier with owners (text, dot, mermaid or json)',
    usage: 'chain graph [--format text|dot|mermaid|json] [--file <chain.yaml>]',
    load: () => import('./graph.js'),
  },
};
