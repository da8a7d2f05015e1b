/**
 * The layers of chain/ and who may import whom; checked by chain/test/unit/architecture.test.ts
 * (or by hand: `npx depcruise chain --config .dependency-cruiser.cjs`).
 *
 * Lowest first: core; provenance and config (on core); adapters (core, provenance); world (core,
 * provenance, config, adapters); policy (core, config, adapters, world); exec (core, provenance,
 * config, adapters); app (all but cli); cli (all); main.ts (cli and core/errors). A folder may
 * always import itself; tests may import anything. Type-only imports count: the rules are about
 * the shape of the code, not about what survives compilation.
 */

/** `^chain/(a|b)/`: the paths of the named layer folders. */
const layers = (...names) => `^chain/(${names.join('|')})/`;
/** An npm package (or its @types twin): its resolved path in node_modules, or its bare name. */
const packages = (...names) => `(^|node_modules/)(@types/)?(${names.join('|')})(/|$)`;

const everyLayer = [layers('core', 'provenance', 'config', 'adapters', 'world', 'policy', 'exec', 'app', 'cli', 'test'), '^chain/main\\.ts$'];

/** A layer that may import only itself and the named layers below it (any other chain/ file is out). */
function importsOnly(layer, below, comment) {
  return {
    name: `${layer}-imports-only-${below.length ? below.join('-') : 'itself'}`,
    comment,
    severity: 'error',
    from: { path: layers(layer) },
    to: { path: '^chain/', pathNot: layers(layer, ...below) },
  };
}

module.exports = {
  forbidden: [
    importsOnly('core', [], 'chain/core is the pure model, graph, planner, fingerprints and errors: it imports only chain/core.'),
    importsOnly('provenance', ['core'], 'chain/provenance (in-toto, SLSA, DSSE) builds on chain/core only.'),
    importsOnly('config', ['core'], 'chain/config reads chain.yaml, layer.yaml and Dockerfiles into chain/core types.'),
    importsOnly('adapters', ['core', 'provenance'], 'An adapter wraps one client and knows only the model (and the record formats it stores).'),
    importsOnly('world', ['core', 'provenance', 'config', 'adapters'], 'chain/world reads the world through config and adapters.'),
    importsOnly('policy', ['core', 'config', 'adapters', 'world'], 'Policies and lint judge what world reads.'),
    importsOnly('exec', ['core', 'provenance', 'config', 'adapters'], 'The executor carries a plan out; it does not read the world (world) or judge it (policy).'),
    {
      name: 'core-does-no-io',
      comment: 'chain/core is pure: no file system, processes or network.',
      severity: 'error',
      from: { path: layers('core') },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|child_process|net|http|https|http2|tls|dgram)(/|$)' },
    },
    {
      name: 'app-does-not-import-cli',
      comment: 'chain/app holds use cases shared by commands; the commands (chain/cli) sit above it.',
      severity: 'error',
      from: { path: layers('app') },
      to: { path: layers('cli') },
    },
    {
      name: 'only-main-and-tests-import-cli',
      comment: 'chain/cli is the top: only chain/main.ts and the tests import it.',
      severity: 'error',
      from: { path: '^chain/', pathNot: [layers('cli', 'test'), '^chain/main\\.ts$'] },
      to: { path: layers('cli') },
    },
    {
      name: 'main-imports-only-cli-and-errors',
      comment: 'chain/main.ts runs the CLI and maps its result to an exit code.',
      severity: 'error',
      from: { path: '^chain/main\\.ts$' },
      to: { path: '^chain/', pathNot: [layers('cli'), '^chain/core/errors\\.ts$'] },
    },
    {
      name: 'nothing-imports-main',
      comment: 'chain/main.ts is the entry point, above everything but the tests.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('test') },
      to: { path: '^chain/main\\.ts$' },
    },
    {
      name: 'no-test-code-outside-tests',
      comment: 'Only tests import chain/test.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('test') },
      to: { path: layers('test') },
    },
    {
      name: 'file-outside-the-layers',
      comment: 'Every source file lives in a layer folder (or is chain/main.ts), so one of the rules above covers it.',
      severity: 'error',
      from: { path: '^chain/', pathNot: everyLayer },
      to: {},
    },
    {
      name: 'import-of-a-file-outside-the-layers',
      comment: 'Every source file lives in a layer folder (or is chain/main.ts), so one of the rules above covers it.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('test') },
      to: { path: '^chain/', pathNot: everyLayer },
    },
    {
      name: 'yaml-parsers-only-in-config',
      comment: 'chain.yaml and layer.yaml are parsed in chain/config only.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('config', 'test') },
      to: { path: packages('js-yaml', 'yaml') },
    },
    {
      name: 'clients-only-in-adapters',
      comment: 'One client each, behind an adapter: dockerode (and the gRPC of its BuildKit session), simple-git, tar-fs, tar-stream, proper-lockfile.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('adapters', 'test') },
      to: { path: packages('dockerode', 'simple-git', 'tar-fs', 'tar-stream', 'proper-lockfile', '@grpc/grpc-js', '@grpc/proto-loader') },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles in non-test code.',
      severity: 'error',
      from: { path: '^chain/', pathNot: layers('test') },
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Fixtures are data, not sources.
    exclude: { path: '^chain/test/fixtures/' },
    moduleSystems: ['es6'],
    // Only what the rules need (no orphan, reachability or metrics analysis): keeps the test fast.
    skipAnalysisNotInRules: true,
    // Resolve packages as Node does for ESM (p-queue, for one, has only an "import" export).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
