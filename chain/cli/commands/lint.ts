/** `chain lint [node...] [--json]`: applies every policy in policies/ to the chain. */
import path from 'node:path';
import { ExitCode, fail } from '../../core/errors.js';
import { DockerEngine } from '../../adapters/docker.js';
import { startGitRead } from '../../world/read.js';
import { lintChain } from '../../policy/run.js';
import { openChain, type Run } from '../command.js';
import { renderLint } from '../render/lint.js';

export const run: Run = async (args, opts, io) => {
  const { file, loaded } = await openChain(opts, io);
  const gitRead = startGitRead(path.dirname(file));
  for (const t of args) if (!loaded.config.nodes[t]) fail('E_UNKNOWN_NODE', `no node named '${t}'`, { hint: `nodes: ${Object.keys(loaded.config.nodes).sort().join(', ')}` });
  const engine = io.engine ?? new DockerEngine();
  // The engine only tells base images' ages; lint works without it.
  const reachable = await engine.ping().then(() => true, () => false);
  const { index } = await gitRead;
  const result = await lintChain(loaded, args.length > 0 ? args : Object.keys(loaded.config.nodes), { ...(index ? { index } : {}), ...(reachable ? { engine } : {}) });
  if (!reachable && result.ageChecked) io.err('note: the Docker Engine cannot be reached, so base image ages were not checked (retirement maxAgeDays)');
  io.out(opts.json ? JSON.stringify(result, null, 2) : renderLint(result, io.cwd));
  return result.summary.errors > 0 ? ExitCode.failed : ExitCode.ok;
};
