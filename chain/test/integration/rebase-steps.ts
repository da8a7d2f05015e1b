/**
 * The steps both rebase integration tests take on the example chain (engine save/load without a
 * registry, the registry's API with one): declare rebase on httpd and site, build, patch the core,
 * and check that the rebased site runs the patched core's content with its own files, passed its
 * tests and verifies.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { DockerEngine } from '../../adapters/docker.js';
import type { Plan } from '../../core/plan.js';
import type { BuildSummary } from '../../exec/events.js';
import type { Statement } from '../../provenance/types.js';
import { git, runCli } from '../helpers.js';

export function rebaseSteps(dir: string, engine: DockerEngine, push: string[] = []) {
  const cli = (...args: string[]) => runCli(args, { cwd: dir, engine });
  const sign = ['--sign-key', 'keys/ops-release.key'];
  const layer = (node: string) => path.join(dir, 'layers', node, 'layer.yaml');
  return {
    cli,
    sign,
    /** keys, rebase: true on httpd and site, everything built and signed */
    async setUp(): Promise<void> {
      assert.is((await cli('keys', 'generate', '--out', 'keys', '--name', 'ops-release')).code, 0);
      for (const node of ['middleware/httpd', 'app/site']) appendFileSync(layer(node), 'rebase: true\n');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'rebase: true on httpd and site');
      const r = await cli('build', ...push, ...sign);
      assert.is(r.code, 0, r.err);
    },
    /** a change to the core's banner, bumped with chain patch and committed */
    async patchCore(note: string): Promise<void> {
      appendFileSync(path.join(dir, 'layers/core/corebuild/etc/motd'), `${note}\n`);
      assert.is((await cli('patch', 'corebuild', '--reason', note)).code, 0);
      git(dir, 'commit', '-qam', note);
    },
    async plan(): Promise<Plan> {
      const r = await cli('plan', '--json');
      assert.is(r.code, 0, r.err);
      return JSON.parse(r.out) as Plan;
    },
    async build(): Promise<{ code: number; summary: BuildSummary; err: string }> {
      const r = await cli('build', '--json', ...push, ...sign);
      return { code: r.code, summary: JSON.parse(r.out) as BuildSummary, err: r.err };
    },
    /** what a container of the image prints */
    run(image: string, command: string): string {
      return execFileSync('docker', ['run', '--rm', '--pull', 'never', '--network', 'none', image, 'sh', '-c', command], { encoding: 'utf8' });
    },
    async provenance(node: string): Promise<Statement> {
      return JSON.parse((await cli('provenance', node, '--json')).out) as Statement;
    },
    log: (node: string) => readFileSync(path.join(dir, '.chain/logs', `${node}.log`), 'utf8'),
    editLayer(node: string, edit: (text: string) => string): void {
      writeFileSync(layer(node), edit(readFileSync(layer(node), 'utf8')));
    },
  };
}

export const actionsOf = (plan: Plan) => Object.fromEntries(plan.nodes.map((n) => [n.name, n.action]));
