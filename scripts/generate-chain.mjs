// A synthetic chain of N nodes for the benchmarks: about 1% base (external), 2% core, 10%
// middleware, the rest apps; each on one node of the tier below, every tenth app on two. Each built
// node is a folder with a Dockerfile and `files` small files. `name` is the chain's name, `base(i)`
// the image of the i-th base node. With `turbo`, each folder is also an npm
// workspace package depending on its parents (and the root has turbo.json), so that Turborepo plans
// the same folders and the same graph.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function generate(n, dir, { files = 19, registry, turbo = false, name = 'bench', base = (i) => `vendor/base-${i}:1.0` } = {}) {
  const counts = { base: Math.max(1, Math.round(n * 0.01)), core: Math.max(1, Math.round(n * 0.02)), middleware: Math.max(1, Math.round(n * 0.1)) };
  counts.app = n - counts.base - counts.core - counts.middleware;
  const names = { base: [], core: [], middleware: [], app: [] };
  const lines = ['version: 1', `name: ${name}`, ...(registry ? [`registry: ${registry}`] : []), 'teams:', '  ops: { members: [ops@x.example] }', '  mw: { members: [mw@x.example] }', '  dev: { members: [dev@x.example] }', 'nodes:'];
  const owner = { base: 'ops', core: 'ops', middleware: 'mw', app: 'dev' };
  const below = { core: 'base', middleware: 'core', app: 'middleware' };
  for (const tier of ['base', 'core', 'middleware', 'app']) {
    for (let i = 0; i < counts[tier]; i++) {
      const name = `${tier}-${i}`;
      names[tier].push(name);
      lines.push(`  ${name}:`, `    tier: ${tier}`, `    owner: ${owner[tier]}`);
      if (tier === 'base') {
        lines.push(`    image: ${base(i)}`);
        continue;
      }
      const pool = names[below[tier]];
      const parents = [pool[i % pool.length]];
      if (tier === 'app' && i % 10 === 0 && pool.length > 1) parents.push(pool[(i + 1) % pool.length]);
      lines.push(`    path: layers/${name}`, `    from: [${parents.join(', ')}]`, '    version: 1.0.0');
      const ctx = path.join(dir, 'layers', name);
      mkdirSync(path.join(ctx, files > 0 ? 'files' : ''), { recursive: true });
      // A second parent's own file (what a built image of it holds: `chain build` of the chain works).
      const copies = parents.slice(1).map((p) => `COPY --from=${p} /opt/${p}/ /opt/from-${p}/\n`).join('');
      writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${parents[0]}\n${copies}${files > 0 ? `COPY files/ /opt/${name}/\n` : ''}`);
      for (let f = 0; f < files; f++) writeFileSync(path.join(ctx, 'files', `f${f}.txt`), `${name} file ${f}\n`);
      if (turbo) writePackage(ctx, name, parents.filter((p) => !p.startsWith('base-')));
    }
  }
  writeFileSync(path.join(dir, 'chain.yaml'), `${lines.join('\n')}\n`);
  if (turbo) writeTurboRoot(dir);
}

function writePackage(ctx, name, parents) {
  const dependencies = Object.fromEntries(parents.map((p) => [p, '1.0.0']));
  writeFileSync(path.join(ctx, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true, scripts: { build: 'docker build .' }, dependencies }, null, 2)}\n`);
}

function writeTurboRoot(dir) {
  const pkg = { name: 'bench', private: true, packageManager: 'npm@10.9.0', workspaces: ['layers/*'] };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, 'turbo.json'), `${JSON.stringify({ $schema: 'https://turbo.build/schema.json', tasks: { build: { dependsOn: ['^build'], outputs: [] } } }, null, 2)}\n`);
}
