/**
 * The built-in checks, pure: each reads what was gathered about one node (its Dockerfile as
 * parsed instructions, its context files, its image's age) and returns what it finds.
 */
import path from 'node:path';
import { parseFamiliarName } from '@swimlane/docker-reference';
import type { ChainNode } from '../core/model.js';
import { noSecrets } from './check-secrets.js';
import { nonRootUser } from './check-user.js';
import { at, instructions, type Check, type Finding } from './check-types.js';

export type { Check, CheckContext, Finding, NodeFacts } from './check-types.js';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Splits RUN text into commands at shell separators. */
const commands = (run: string) => run.split(/&&|\|\||;|\||\n/).map((c) => c.trim().split(/\s+/).filter(Boolean));

export const CHECKS: Record<string, Check> = {
  'trusted-external': {
    params: ['allow', 'requireDigest'],
    run(facts, params, ctx) {
      const { node } = facts;
      if (node.kind !== 'external') return [];
      const location = ctx.locate(node.name, 'image');
      const out: Finding[] = [];
      let ref: ReturnType<typeof parseFamiliarName>;
      try {
        ref = parseFamiliarName(node.image);
      } catch (err) {
        return [{ message: `image '${node.image}' is not a valid reference (${(err as Error).message})`, hint: 'write host/repository:tag@sha256:digest', location }];
      }
      const canonical = `${ref.domain}/${ref.repository}`;
      const allow = list(params.allow);
      if (allow.length > 0 && !allow.some((p) => node.image.startsWith(p) || canonical.startsWith(p))) {
        out.push({ message: `image ${node.image} is not from a trusted registry`, hint: `trusted: ${allow.join(', ')}`, location });
      }
      if (!ref.digest && (!ref.tag || ref.tag === 'latest')) out.push({ message: `image ${node.image} is ${ref.tag ? 'tagged latest' : 'untagged'}`, hint: 'pin a version tag and its digest: repo:1.2@sha256:...', location });
      else if (params.requireDigest !== false && !ref.digest) out.push({ message: `image ${node.image} is not pinned by digest`, hint: 'append @sha256:<digest> so the base cannot change under the chain', location });
      return out;
    },
  },

  'tier-from': {
    params: ['allow'],
    run(facts, params, ctx) {
      const allowed = (params.allow ?? {}) as Record<string, string[]>;
      const mayUse = allowed[facts.node.tier];
      if (!mayUse) return [];
      return facts.node.from
        .map((p) => ctx.config.nodes[p.node])
        .filter((p): p is ChainNode => p !== undefined && !mayUse.includes(p.tier))
        .map((p) => ({ message: `this ${facts.node.tier}-tier node builds FROM ${p.name} of tier ${p.tier}`, hint: `${facts.node.tier} nodes may build FROM: ${mayUse.join(', ')}`, location: ctx.locate(facts.node.name, 'from') }));
    },
  },

  'owner-allowed': {
    params: ['teams'],
    run(facts, params, ctx) {
      const teams = list(params.teams);
      return teams.includes(facts.node.owner) ? [] : [{ message: `owned by ${facts.node.owner}`, hint: `${facts.node.tier} nodes may be owned only by: ${teams.join(', ')}`, location: ctx.locate(facts.node.name, 'owner') }];
    },
  },

  'no-secrets': noSecrets,

  'non-root-user': nonRootUser,

  'no-remote-fetch': {
    params: [],
    run(facts) {
      const out: Finding[] = [];
      for (const i of instructions(facts, 'ADD')) {
        if (/\bhttps?:\/\//.test(i.args)) out.push({ message: 'ADD downloads a remote URL', hint: 'vendor the file into the context and COPY it, pinned by checksum', location: at(facts, i) });
      }
      for (const i of instructions(facts, 'RUN')) {
        if (/\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/.test(i.args)) out.push({ message: 'RUN pipes a download into a shell', hint: 'download, verify a checksum, then run it', location: at(facts, i) });
      }
      return out;
    },
  },

  'no-onbuild': {
    params: [],
    run(facts) {
      return instructions(facts, 'ONBUILD').map((i) => ({ message: `ONBUILD ${i.trigger ?? ''} injects hidden steps into every child`, hint: 'make the step explicit in the children that need it', location: at(facts, i) }));
    },
  },

  'pinned-packages': {
    params: [],
    run(facts) {
      const out: Finding[] = [];
      for (const i of instructions(facts, 'RUN')) {
        for (const words of commands(i.args)) {
          const [tool, verb, ...rest] = words.filter((w) => w !== 'sudo');
          const pkgs = rest.filter((w) => !w.startsWith('-') && !w.includes('$'));
          let unpinned: string[] = [];
          if ((tool === 'apt-get' || tool === 'apt') && verb === 'install') unpinned = pkgs.filter((p) => !p.includes('='));
          else if (tool === 'apk' && verb === 'add') unpinned = pkgs.filter((p) => !p.includes('='));
          else if ((tool === 'pip' || tool === 'pip3') && verb === 'install') unpinned = words.includes('-r') ? [] : pkgs.filter((p) => !p.includes('=='));
          else if (tool === 'npm' && (verb === 'install' || verb === 'i') && pkgs.length > 0) unpinned = pkgs.filter((p) => !p.slice(1).includes('@'));
          if (unpinned.length > 0) out.push({ message: `${tool} ${verb} of unpinned packages: ${unpinned.join(', ')}`, hint: 'pin each version (apt/apk: pkg=1.2, pip: pkg==1.2, npm: pkg@1.2)', location: at(facts, i) });
        }
      }
      return out;
    },
  },

  'required-metadata': {
    params: ['keys'],
    run(facts, params, ctx) {
      // What a published image must say about itself: external images are not published here.
      if (facts.node.kind !== 'built') return [];
      const node = facts.node as ChainNode & Record<string, unknown>;
      return list(params.keys)
        .filter((k) => node[k] === undefined || node[k] === '')
        .map((k) => ({ message: `no ${k}`, hint: `set ${k} in the node's layer.yaml`, location: ctx.locate(node.name) }));
    },
  },

  'has-tests': {
    params: [],
    run(facts, _params, ctx) {
      return facts.node.kind === 'built' && facts.node.test.length === 0 ? [{ message: 'no test commands', hint: 'add test: commands to layer.yaml; an image is not good until it has been tried', location: ctx.locate(facts.node.name) }] : [];
    },
  },

  retirement: {
    params: ['maxAgeDays'],
    run(facts, params, ctx) {
      const { node } = facts;
      const children = ctx.graph.children(node.name);
      const who = children.map((c) => `${c} (${ctx.config.nodes[c]?.owner})`).join(', ');
      const out: Finding[] = [];
      if (node.deprecated && children.length > 0) {
        out.push({ message: `deprecated (${node.deprecated}) but still the parent of ${who}`, hint: 'the owners named must move their nodes off it', location: ctx.locate(node.name, 'deprecated') });
      }
      const maxAge = Number(params.maxAgeDays ?? 0);
      if (node.kind === 'external' && maxAge > 0 && facts.created) {
        const days = Math.floor((ctx.today.getTime() - Date.parse(facts.created)) / 86_400_000);
        if (days > maxAge) out.push({ message: `base image is ${days} days old (limit ${maxAge})`, hint: `retire it: ${who || 'no node'} must move to a fresh base`, location: ctx.locate(node.name, 'image') });
      }
      return out;
    },
  },

  'context-hygiene': {
    params: ['maxBytes'],
    run(facts, params, ctx) {
      const out: Finding[] = [];
      const total = (facts.files ?? []).reduce((sum, f) => sum + f.size, 0);
      const max = Number(params.maxBytes ?? 50 * 1024 * 1024);
      if (total > max) out.push({ message: `the build context is ${total} bytes (limit ${max})`, hint: 'keep large files out with .dockerignore', location: ctx.locate(facts.node.name, 'path') });
      const contextDir = path.dirname(facts.dockerfile?.file ?? '');
      for (const link of facts.symlinks ?? []) {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(link.path), link.target));
        if (path.posix.isAbsolute(link.target) || resolved.startsWith('..')) {
          out.push({ message: `symlink ${link.path} leads out of the context (${link.target})`, hint: 'copy the file into the context instead', location: { file: path.join(contextDir, link.path) } });
        }
      }
      return out;
    },
  },
};
