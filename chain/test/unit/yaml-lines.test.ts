/**
 * The scan of chain.yaml's lines that places nodes and their keys (config/yaml-lines.ts) answers
 * exactly as the `yaml` package's positional parse, or not at all; and `chain lint` reports the
 * same findings at the same file:line:col with it as without it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeLines } from '../../config/yaml-lines.js';
import { YamlSource } from '../../config/yaml-source.js';
import type { Violation } from '../../policy/model.js';
import { absentEngine, git, removeDirs, repoRoot, runCli, tempDir } from '../helpers.js';

/** Every place a check or a config rule may ask for, fast path against positional parse. */
function compareAll(text: string): { answered: number; asked: number } {
  const source = new YamlSource('/c/chain.yaml', text);
  assert.equal(source.problems, [], 'the text loads');
  const nodes = (source.valueAt(['nodes']) ?? {}) as Record<string, Record<string, unknown> | null>;
  const lines = nodeLines(text, source.toJS());
  let answered = 0;
  let asked = 0;
  for (const name of [...Object.keys(nodes), 'ghost']) {
    const keys = [...Object.keys(nodes[name] ?? {}), 'path', 'image', 'deprecated', 'nope'];
    const paths = [['nodes', name], ...keys.map((k) => ['nodes', name, k])];
    for (const p of paths) {
      for (const of of ['key', 'value'] as const) {
        asked++;
        const fast = source.locate(p, of);
        assert.equal(fast, source.positionalLocate(p, of), `${p.join('.')} (${of}) in:\n${text}`);
        if (lines?.get(name)) answered++;
      }
    }
  }
  return { answered, asked };
}

const shapes: { name: string; text: string; fast: boolean }[] = [
  { name: 'the repository chain.yaml', text: readFileSync(path.join(repoRoot, 'chain.yaml'), 'utf8'), fast: true },
  {
    name: 'comments, blank lines, quoted and flow values, block values on later lines',
    fast: true,
    text: [
      'version: 1',
      'nodes:   # all of them',
      '',
      '  # the base',
      '  base:   # bought',
      '',
      '    # its tier',
      '    tier: base',
      '    owner: "ops"',
      "    image: 'vendor/b:1'   # pinned",
      '  core:',
      '    tier: core',
      '    from: [base]',
      '    args: { A: "1" }',
      '    description: >',
      '      folded text',
      '    test:',
      '      # first',
      '      - echo a',
      '    env:',
      '',
      '      K: v',
      '    notes: plain text',
      '      that continues',
      '    deprecated: -1',
      '#   a comment at the left edge',
      '  app-1:',
      '      tier: app',
      '      from:    # parents',
      '        - core',
      'teams: {}',
      '',
    ].join('\n'),
  },
  { name: 'CRLF line ends', fast: true, text: 'nodes:\r\n  a:\r\n    tier: base\r\n    image: x:1\r\n  b:\r\n    from: a\r\n' },
  { name: 'anchors, tags, aliases and nulls go to the positional parse', fast: true, text: 'nodes:\n  a:\n    tier: &t base\n    owner: !!str ops\n    image: *t\n    path:\n    from: # none\n  b:\n    tier: app\n' },
  { name: 'a compact sequence at the key indent', fast: false, text: 'nodes:\n  a:\n    from:\n    - b\n    tier: x\n  b:\n    tier: y\n' },
  { name: 'a node as a flow mapping', fast: false, text: 'nodes:\n  a: { tier: x }\n  b:\n    tier: y\n' },
  { name: 'a quoted node name', fast: false, text: 'nodes:\n  "a":\n    tier: x\n' },
  { name: 'a numeric node name', fast: false, text: 'nodes:\n  010:\n    tier: x\n  b:\n    tier: y\n' },
  { name: 'a key with a space before its colon', fast: false, text: 'nodes:\n  a:\n    tier : x\n' },
  { name: 'nodes as a flow mapping', fast: false, text: 'nodes: { a: { tier: x } }\n' },
  { name: 'an empty node', fast: true, text: 'nodes:\n  a:\n  b:\n    tier: y\n' },
  { name: 'deeper nodes, uneven key indents', fast: true, text: 'x: 1\nnodes:\n    a:\n       tier: x\n       from: [b]\n    b:\n      tier: y\nz: 2\n' },
];

for (const shape of shapes) {
  test(`node locations by line scan equal the positional parse: ${shape.name}`, () => {
    const { answered, asked } = compareAll(shape.text);
    if (shape.fast) assert.ok(answered > asked / 3, `the scan answers (${answered} of ${asked})`);
    else assert.is(answered, 0, 'the scan declines');
  });
}

test('chain lint of a generated chain: the same findings at the same places with and without the line scan', async () => {
  const { generate } = (await import(pathToFileURL(path.join(repoRoot, 'scripts/generate-chain.mjs')).href)) as { generate: (n: number, dir: string, opts: { files: number }) => void };
  const dir = tempDir();
  const proto = YamlSource.prototype as unknown as { nodeLocation: (...a: unknown[]) => unknown };
  const fast = proto.nodeLocation;
  try {
    generate(50, dir, { files: 1 });
    // Findings at every kind of place: a node's key, its tier, owner, path, from, image, deprecated.
    const file = path.join(dir, 'chain.yaml');
    const text = readFileSync(file, 'utf8')
      .replace('  base-0:\n', '  base-0:   # the vendor base\n\n    # deprecated\n    deprecated: "use base-1"\n')
      .replace('    owner: mw\n', '    owner: "dev"\n')
      .replace('    path: layers/middleware-0\n    from: [core-0]', '    path: layers/middleware-0\n    from: [base-0]');
    writeFileSync(file, text);
    const dockerfile = path.join(dir, 'layers', 'middleware-0', 'Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('FROM core-0', 'FROM base-0'));
    mkdirSync(path.join(dir, 'policies'));
    const rules = [
      ['trusted', 'trusted-external', '{ allow: [other/] }'],
      ['order', 'tier-from', '{ allow: { core: [base], middleware: [core], app: [middleware] } }'],
      ['owners', 'owner-allowed', '{ teams: [ops, mw] }'],
      ['meta', 'required-metadata', '{ keys: [description] }'],
      ['retire', 'retirement', '{}'],
      ['size', 'context-hygiene', '{ maxBytes: 1 }'],
    ];
    writeFileSync(path.join(dir, 'policies', 'p.yaml'), `rules:\n${rules.map(([id, check, params]) => `  - { id: ${id}, check: ${check}, severity: error, params: ${params}, rationale: r }\n`).join('')}  - { id: tests, check: has-tests, severity: warn, rationale: r }\n`);
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.email=t@x', '-c', 'user.name=t', 'commit', '-qm', 'generated');
    const source = new YamlSource(file, text);
    assert.ok(nodeLines(text, source.toJS()), 'the generated chain.yaml is one the scan reads');
    const lintJson = async () => {
      const r = await runCli(['lint', '--json'], { cwd: dir, engine: absentEngine() });
      assert.is(r.code, 1, r.err);
      return JSON.parse(r.out) as { violations: Violation[] };
    };
    const withScan = await lintJson();
    proto.nodeLocation = () => undefined;
    const positional = await lintJson();
    assert.equal(withScan, positional);
    const inChain = withScan.violations.filter((v) => v.location.file === file);
    const checks = new Set(inChain.map((v) => v.check));
    for (const check of ['trusted-external', 'tier-from', 'owner-allowed', 'required-metadata', 'retirement', 'context-hygiene', 'has-tests']) assert.ok(checks.has(check), `${check} points into chain.yaml`);
    assert.ok(inChain.length > 100, `${inChain.length} findings in chain.yaml`);
  } finally {
    proto.nodeLocation = fast;
    removeDirs(dir);
  }
});

test.run();
