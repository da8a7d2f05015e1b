// What the benchmark scripts share: committing a generated chain, and removing exactly the images
// a run made (the engine is shared).
import { execFileSync, spawnSync } from 'node:child_process';

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
