/**
 * Bystanders, for scripts/test: the proof that the suite keeps to its own on a shared engine.
 * Before the integration tier, `start` runs an unrelated long-lived container and builds another
 * chain's images with the CLI, and records them; after the tier, bystander.check.js asserts that
 * they are all still there and that the shared vendor base tag did not move; `stop` removes them,
 * and nothing else.
 *
 *   node dist/chain/test/integration/bystander.js start|stop STATE_FILE
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DockerEngine } from '../../adapters/docker.js';
import { chainImages, exampleChain, removeChainImages, removeDirs, spawnChain, VENDOR_BASE } from '../helpers.js';

export interface Bystanders {
  /** ID of the unrelated container */
  container: string;
  /** name and folder of the other chain */
  chain: string;
  dir: string;
  /** the other chain's images as `id tag` lines, sorted (untagged ones as `id <none>`) */
  images: string[];
  /** the image ID the shared vendor base tag points at */
  vendorBase: string;
}

const BYSTANDER_LABEL = 'dev.chain.bystander';

/** A chain's images as sorted `id tag` lines. */
export async function chainImageLines(engine: DockerEngine, chain: string): Promise<string[]> {
  return (await chainImages(engine, chain))
    .flatMap((i) => {
      const tags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      return (tags.length > 0 ? tags : ['<none>']).map((t) => `${i.Id} ${t}`);
    })
    .sort();
}

async function start(engine: DockerEngine, stateFile: string): Promise<void> {
  const { dir, name } = exampleChain('bystander');
  // Recorded first, so that `stop` removes whatever was made even when a later step fails.
  const state: Bystanders = { container: '', chain: name, dir, images: [], vendorBase: (await engine.inspect(VENDOR_BASE))?.id ?? '' };
  writeFileSync(stateFile, JSON.stringify(state));
  const container = await engine.docker.createContainer({ Image: VENDOR_BASE, Cmd: ['sleep', '86400'], Labels: { [BYSTANDER_LABEL]: name }, HostConfig: { NetworkMode: 'none' } });
  state.container = container.id;
  writeFileSync(stateFile, JSON.stringify(state));
  await container.start();
  const { code, err } = await spawnChain(['build'], dir).done;
  if (code !== 0) throw new Error(`the bystander chain did not build (exit ${code}):\n${err}`);
  state.images = await chainImageLines(engine, name);
  writeFileSync(stateFile, JSON.stringify(state));
  process.stdout.write(`bystanders: container ${container.id.slice(0, 12)} (sleep), chain ${name} (${state.images.length} image tags)\n`);
}

async function stop(engine: DockerEngine, stateFile: string): Promise<void> {
  const text = existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '';
  if (text === '') return; // never started, or already stopped
  const state = JSON.parse(text) as Bystanders;
  if (state.container) await engine.docker.getContainer(state.container).remove({ force: true }).catch(() => undefined);
  await removeChainImages(engine, state.chain);
  removeDirs(state.dir);
  rmSync(stateFile, { force: true });
}

const [command, stateFile] = process.argv.slice(2);
if (stateFile && (command === 'start' || command === 'stop')) {
  const engine = new DockerEngine();
  await (command === 'start' ? start(engine, stateFile) : stop(engine, stateFile)).catch((err: Error) => {
    process.stderr.write(`bystander ${command}: ${err.message}\n`);
    process.exitCode = 1;
  });
}
