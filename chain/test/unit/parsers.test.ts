/** Pure parsers and formatters of the adapters, on fixtures. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readDockerfile, rewriteImages } from '../../core/dockerfile.js';
import { modifiedPaths, parseLsFiles } from '../../adapters/git.js';
import { buildResult } from '../../adapters/docker.js';
import { registryError, registryHost } from '../../adapters/docker-push-pull.js';
import { lineSplitter } from '../../adapters/docker-test-run.js';
import { cappedLines } from '../../adapters/test-output.js';
import { ChainError } from '../../core/errors.js';
import { decodeUtf8, jsonErrorOffset } from '../../core/text.js';
import { setVersions } from '../../config/edit.js';
import { labelInstruction } from '../../exec/labels.js';
import { gitBlobHash } from '../../adapters/context.js';

const multiStage = `# syntax docs
FROM runtime AS generate
COPY --from=jobs /x /x
RUN make

FROM httpd
COPY --from=generate /out /www
COPY --from=0 /a /a
FROM scratch AS empty
`;

test('readDockerfile: images used, stages and scratch left out, positions 1-based', () => {
  const info = readDockerfile(multiStage);
  assert.equal(info.stages, ['generate', 'empty']);
  assert.equal(
    info.images.map((u) => [u.kind, u.ref, u.line, u.col]),
    [
      ['from', 'runtime', 2, 6],
      ['copy-from', 'jobs', 3, 13],
      ['from', 'httpd', 6, 6],
    ],
  );
});

test('readDockerfile handles continuation lines and lower-case keywords', () => {
  const info = readDockerfile('from \\\n  corebuild\nrun true\n');
  assert.equal(info.images.map((u) => [u.ref, u.line]), [['corebuild', 2]]);
});

test('rewriteImages pins node references and leaves the rest', () => {
  const info = readDockerfile(multiStage);
  const out = rewriteImages(multiStage, info, { runtime: 'sha256:aaa', httpd: 'sha256:bbb', jobs: 'sha256:ccc' });
  assert.ok(out.includes('FROM sha256:aaa AS generate'));
  assert.ok(out.includes('COPY --from=sha256:ccc /x /x'));
  assert.ok(out.includes('\nFROM sha256:bbb\n'));
  assert.ok(out.includes('COPY --from=generate /out /www'));
});

test('parseLsFiles: tracked blobs, leaving out modified, unmerged and submodules', () => {
  const out = ['100644 aaa 0\ta.txt', '100755 bbb 0\tbin/run', '100644 ccc 0\tmod.txt', '100644 ddd 1\tconflict', '160000 eee 0\tsub', '120000 fff 0\tlink with space', ''].join('\0');
  const index = parseLsFiles(out, new Set(['mod.txt']));
  assert.equal([...index.entries()], [
    ['a.txt', '100644 aaa'],
    ['bin/run', '100755 bbb'],
    ['link with space', '120000 fff'],
  ]);
});

test('modifiedPaths: changes staged or in the work tree, relative to the queried folder', () => {
  const status = [' M chain/layers/a.txt', 'M  chain/staged-only.txt', 'MM chain/both.txt', ' D chain/gone.txt', ' M elsewhere/x', ''].join('\0');
  assert.equal([...modifiedPaths(status, 'chain/')].sort(), ['both.txt', 'gone.txt', 'layers/a.txt', 'staged-only.txt']);
});

test('gitBlobHash equals git hash-object', () => {
  // `printf 'hello\n' | git hash-object --stdin`
  assert.is(gitBlobHash(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
});

test('buildResult: image ID from aux, last stage wins; errors from errorDetail', () => {
  assert.equal(buildResult([{ stream: 'Step 1/2' }, { aux: { ID: 'sha256:stage' } }, { aux: { ID: 'sha256:final' } }]), { id: 'sha256:final' });
  assert.equal(
    buildResult([{ stream: 'Step 1/2' }, { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: 'x' }]),
    { error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
  );
  assert.ok('error' in buildResult([{ stream: 'Successfully built' }]));
});

test('lineSplitter: lines carried across chunks, split characters kept whole, the last partial line flushed at the end', () => {
  const lines: string[] = [];
  const split = lineSplitter((l) => lines.push(l));
  const euro = Buffer.from('€\n'); // three bytes and a newline
  for (const chunk of [Buffer.from('hel'), Buffer.from('lo\nwor'), Buffer.from('ld\n\n'), euro.subarray(0, 1), euro.subarray(1), Buffer.from('no newline')]) split.write(chunk);
  assert.equal(lines, ['hello', 'world', '€']);
  split.end();
  assert.equal(lines, ['hello', 'world', '€', 'no newline']);
  split.end();
  assert.is(lines.length, 4, 'nothing is passed on twice');
});

test('lineSplitter: a line longer than the limit is passed on in pieces, never held whole', () => {
  const lines: string[] = [];
  const split = lineSplitter((l) => lines.push(l), 4);
  split.write(Buffer.from('abcdefghij'));
  assert.equal(lines, ['abcd', 'efgh'], 'a line without its newline yet is cut as it grows');
  split.write(Buffer.from('k\nxy\n'));
  split.end();
  assert.equal(lines, ['abcd', 'efgh', 'ijk', 'xy']);
});

test('cappedLines: lines pass until the byte budget is spent, then the last ones come at the end after a line saying what was left out', () => {
  const lines: string[] = [];
  const capped = cappedLines((l) => lines.push(l), { maxBytes: 10, tailLines: 2 });
  for (const l of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff']) capped.line(l);
  assert.equal(lines, ['aaaa', 'bbbb'], 'the budget holds two lines of 5 bytes');
  capped.end();
  assert.equal(lines, ['aaaa', 'bbbb', '# ... 2 lines (0.0 MiB) of test output left out: past 0.0 MiB, only the last 2 lines are kept', 'eeee', 'ffff']);
  const quiet: string[] = [];
  const small = cappedLines((l) => quiet.push(l), { maxBytes: 100, tailLines: 2 });
  small.line('x');
  small.end();
  assert.equal(quiet, ['x'], 'under the budget nothing is said');
});

test('registryHost: the registry of an image reference, docker.io for familiar names; a bad one is a ChainError', () => {
  assert.is(registryHost('127.0.0.1:5000/acme/site'), '127.0.0.1:5000');
  assert.is(registryHost(`localhost:5000/acme/site@sha256:${'a'.repeat(64)}`), 'localhost:5000');
  assert.is(registryHost('reg.example/a/b:1'), 'reg.example');
  assert.is(registryHost('busybox'), 'docker.io');
  assert.throws(() => registryHost('Acme/Site'), (err: unknown) => err instanceof ChainError && err.code === 'E_IMAGE_REF');
});

test('registryError: refused credentials told from a registry that is down, by the engine\'s text', () => {
  assert.is(registryError('r', 'unauthorized: authentication required').problems[0]?.message, 'the registry r refused the credentials (HTTP 401)');
  assert.is(registryError('r', 'denied: requested access to the resource is denied').problems[0]?.message, 'the registry r refused the credentials (HTTP 403)');
  assert.is(registryError('r', 'dial tcp 127.0.0.1:1: connect: connection refused').code, 'E_REGISTRY_UNREACHABLE');
  assert.is(registryError('r', 'error parsing HTTP 403 response body: unexpected end of JSON input').problems[0]?.message, 'the registry r refused the credentials (HTTP 403)');
  // A failed request the engine quotes may hold 401 or 403 in its URL (a random chain name, a digest): still a registry that is down.
  const quoted = 'Put "http://127.0.0.1:40373/v2/t4012x9/httpd/manifests/fp-4031a2b3c4d5": EOF';
  assert.is(registryError('r', quoted).code, 'E_REGISTRY_UNREACHABLE');
});

test('labelInstruction: one LABEL, values quoted, $ not expanded', () => {
  const text = labelInstruction({ 'a.b': 'x "y"', c: '$HOME' });
  assert.is(text, 'LABEL "a.b"="x \\"y\\"" \\\n      "c"="\\$HOME"');
});

test('setVersions replaces only the version characters; a value it cannot replace in place goes through the document without folding', () => {
  const long = `  - ${'x '.repeat(80)}# stays on one line`;
  const text = `# comment\nversion: &v '1.0.0'   # anchored and quoted\ntest:\n${long}\nother: *v\n`;
  assert.is(setVersions(text, [{ path: ['version'], version: '1.0.1' }]), text.replace("'1.0.0'", "'1.0.1'"));
  const nested = 'nodes:\n  a:\n    version: 2.0.0 # a\n  b: { tier: x, version: "3.1.4" }\n';
  assert.is(setVersions(nested, [{ path: ['nodes', 'a', 'version'], version: '2.0.1' }, { path: ['nodes', 'b', 'version'], version: '3.1.5' }]), nested.replace('2.0.0', '2.0.1').replace('"3.1.4"', '"3.1.5"'));
  const block = `version: |-\n  1.0.0\ntest:\n${long}\n`;
  const out = setVersions(block, [{ path: ['version'], version: '1.0.1' }]);
  assert.match(out, /1\.0\.1/);
  assert.ok(out.includes(long.trim()), 'a long line is never folded');
});

test('decodeUtf8 takes UTF-8 (a BOM too) and names the first byte that is not, at its line and column', () => {
  assert.is(decodeUtf8(Buffer.from('a: é ✓ 𝄞\n'), 'f'), 'a: é ✓ 𝄞\n');
  for (const [bytes, line, col] of [
    [[0x61, 0x0a, 0x62, 0xe9, 0x0a], 2, 2],
    [[0xed, 0xa0, 0x80], 1, 1], // a surrogate
    [[0xf4, 0x90, 0x80, 0x80], 1, 1], // past U+10FFFF
    [[0x78, 0xe2, 0x82], 1, 2], // cut short
  ] as const) {
    try {
      decodeUtf8(Buffer.from(bytes), 'f');
      assert.unreachable(String(bytes));
    } catch (err) {
      assert.instance(err, ChainError);
      assert.equal((err as ChainError).problems[0]?.location, { file: 'f', line, col });
    }
  }
});

test('jsonErrorOffset finds where JSON goes wrong, whatever V8 says', () => {
  for (const [text, offset] of [['{"a":}', 5], ['{"a":1,}', 7], ['[1,2', 4], ['{"a":1}x', 7], ['', 0], ['{"a": tru}', 9]] as const) {
    assert.is(jsonErrorOffset(text), offset, text);
  }
});

test.run();
