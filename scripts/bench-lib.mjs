// What the benchmark scripts share: committing a generated chain, a throwaway registry, and
// removing exactly the images a run made (the engine is shared).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Commits everything in `dir` as a new repository (no background gc while timing). */
export function commitRepo(dir) {
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('config', 'gc.auto', '0');
  git('add', '-A');
  git('-c', 'user.email=b@x', '-c', 'user.name=bench', 'commit', '-qm', 'bench');
}

/** The chain's images, and the untagged images a classic build labelled them from (a root node's has no chain label). */
export function removeImages(name) {
  for (let pass = 0; pass < 4 && removeImagesOnce(name); pass++); // a parent goes only once the images made from it are gone
}

function removeImagesOnce(name) {
  const ids = [...new Set(execFileSync('docker', ['images', '-q', '--no-trunc', '--filter', `label=dev.chain.chain=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean))];
  if (ids.length === 0) return false;
  const from = [...new Set(execFileSync('docker', ['image', 'inspect', '--format', '{{.Config.Image}}', ...ids], { encoding: 'utf8' }).split('\n').filter((id) => id.startsWith('sha256:')))];
  spawnSync('docker', ['rmi', '-f', ...ids], { stdio: 'ignore' });
  const left = from.length > 0 ? spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}} {{len .RepoTags}}', ...from], { encoding: 'utf8' }).stdout.split('\n') : [];
  const untagged = left.filter((line) => line.endsWith(' 0')).map((line) => line.split(' ')[0]);
  if (untagged.length > 0) spawnSync('docker', ['rmi', ...untagged], { stdio: 'ignore' }); // never forced: a parent of others stays
  return true;
}

const freePort = () =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

/** Debian's docker-registry on a free loopback port, its data in `dir` (no access log); stop() ends it. */
export async function startRegistry(dir) {
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\nhttp:\n  addr: ${host}\n`);
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const stop = () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))));
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://${host}/v2/`).then(() => true, () => false)) return { host, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('docker-registry did not start');
}
