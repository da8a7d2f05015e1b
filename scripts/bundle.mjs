// Build step: bundles the compiled CLI (dist/chain/main.js) into dist/chain.mjs, the `chain` bin,
// so that starting it reads a few files instead of ~150 modules and the packages' hundreds.
// Code splitting keeps each command (and what only it needs) in a chunk of its own
// (dist/chunks/), loaded only when the command runs.
// Measured on 2 cores: a 10-node `plan --json` took ~0.55 s from dist/chain/main.js, ~0.44 s
// with only our files bundled, ~0.38 s with the packages bundled too; minifying gained nothing.
//
// dockerode is bundled too (into the chunk of the commands that write to the engine), but two of
// its modules are required only when used, from node_modules: its BuildKit session (gRPC and
// protobuf, ~110 ms to load; chain opens BuildKit sessions itself, adapters/buildkit/) and
// docker-modem's SSH transport (ssh2 and its native addons, ~40 ms; used for ssh:// hosts only).
// Loading dockerode from node_modules took ~180 ms, all of that at once.
import { chmodSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);

/** A `require(...)` in a package file made lazy: the module is required from node_modules when first called. */
const LAZY = [
  { file: /node_modules\/dockerode\/lib\/docker\.js$/, from: "require('./session')", to: 'dockerode/lib/session.js' },
  { file: /node_modules\/docker-modem\/lib\/modem\.js$/, from: "require('./ssh')", to: 'docker-modem/lib/ssh.js' },
];
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    for (const { file, from, to } of LAZY) {
      b.onLoad({ filter: file }, ({ path }) => {
        const text = readFileSync(path, 'utf8');
        // A package update that moved the require fails the build here, rather than loading it eagerly unnoticed.
        if (text.split(from).length !== 2) throw new Error(`bundle: ${path} no longer has exactly one ${from}`);
        return { contents: text.replace(from, `(function () { return require(${JSON.stringify(to)}).apply(this, arguments); })`), loader: 'js' };
      });
    }
  },
};
rmSync(new URL('dist/chunks', root), { recursive: true, force: true });
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: { chain: 'dist/chain/main.js' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: LAZY.map((l) => l.to),
  plugins: [lazyRequires],
  // CommonJS packages in the bundle require Node's own modules: every output file gets a require.
  banner: { js: "import { createRequire as __chainRequire } from 'node:module'; const require = __chainRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
// BuildKit's .proto files, next to the chunk that reads them (adapters/buildkit/protos.ts looks beside itself).
cpSync(new URL('dist/chain/adapters/buildkit/proto/', root), new URL('dist/chunks/proto/', root), { recursive: true });
chmodSync(new URL('dist/chain.mjs', root), 0o755);
