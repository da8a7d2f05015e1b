/**
 * The shape of the code: imports follow the layers in .dependency-cruiser.cjs (checked by
 * dependency-cruiser on the TypeScript sources, type-only imports included) and source files stay small.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { repoRoot } from '../helpers.js';

const MAX_LINES = 250;

/** Lines as `wc -l` counts them, plus a last line without a newline. */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The non-test source files under `dir`, relative to the repository root (symbolic links are not followed). */
function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return file === 'chain/test' ? [] : sourcesUnder(file);
    return entry.isFile() && file.endsWith('.ts') ? [file] : [];
  });
}
const sources = sourcesUnder('chain').sort();

function describe(v: IViolation): string {
  const route = v.cycle ? [v.from, ...v.cycle.map((step) => step.name)].join(' -> ') : `${v.from} -> ${v.to}`;
  return `${route}  (${v.rule.name})`;
}

async function cruiseChain(): Promise<ICruiseResult> {
  const tsConfigFile = path.join(repoRoot, 'tsconfig.json');
  const options = await extractDepcruiseOptions(path.join(repoRoot, '.dependency-cruiser.cjs'));
  // Paths in the config and the results are relative to the repository root, wherever the test runs from.
  const result = await cruise(['chain'], { ...options, baseDir: repoRoot, tsConfig: { fileName: tsConfigFile } }, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned a report, not a result');
  return result.output;
}

test('imports follow the layers (.dependency-cruiser.cjs)', async () => {
  const { modules, summary } = await cruiseChain();
  // A rule can only fire on what was read and resolved: every source file is in the graph and
  // every import resolved (a `.js` specifier to its `.ts` file, a package into node_modules).
  const cruised = new Set(modules.map((m) => m.source));
  const unread = sources.filter((file) => !cruised.has(file));
  assert.ok(unread.length === 0, `dependency-cruiser did not read:\n  ${unread.join('\n  ')}`);
  const unresolved = modules
    .filter((m) => m.source.startsWith('chain/'))
    .flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} -> ${d.module}`));
  assert.ok(unresolved.length === 0, `imports that did not resolve:\n  ${unresolved.join('\n  ')}`);

  const violations = summary.violations.map(describe).sort();
  assert.ok(violations.length === 0, `${violations.length} import(s) break the layering:\n  ${violations.join('\n  ')}`);
});

test(`no source file has more than ${MAX_LINES} lines`, () => {
  const long = sources
    .map((file) => ({ file, lines: lineCount(readFileSync(path.join(repoRoot, file), 'utf8')) }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  assert.ok(long.length === 0, `${long.length} file(s) over ${MAX_LINES} lines:\n  ${long.join('\n  ')}`);
});

test.run();
