/**
 * A YAML file whose problems point at file:line:col. The data comes from js-yaml, several times
 * faster on large chains; the `yaml` package's positional parse runs only when a position is
 * wanted, which is when there is something to report.
 */
import { createRequire } from 'node:module';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { Document, LineCounter, Pair } from 'yaml';

/** The positional parser, loaded the first time a position is wanted. */
let yamlModule: typeof import('yaml') | undefined;
const positional = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
import { problem, type Location, type Problem } from '../core/errors.js';
import { duplicateKeys, duplicateMessage, syntaxHint } from './yaml-hints.js';
import { nodeLines, type NodeLines, type Position } from './yaml-lines.js';

export type YamlPath = readonly (string | number)[];

export class YamlSource {
  readonly file: string;
  readonly problems: Problem[];
  private readonly text: string;
  private readonly data: unknown;
  private parsed?: { doc: Document.Parsed; lines: LineCounter };
  /** chain.yaml's nodes by line, when the text is laid out so that one scan finds them (null: it is not) */
  private nodes?: Map<string, NodeLines> | null;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    try {
      this.data = load(text, { schema: CORE_SCHEMA, filename: file });
      this.problems = [];
    } catch (err) {
      this.problems = this.syntaxProblems(err as { mark?: { line: number; column: number }; reason?: string; message: string });
    }
  }

  /** The file's content as plain data (undefined when it did not parse). */
  toJS(): unknown {
    return this.problems.length > 0 ? undefined : this.data;
  }

  /** The value at a path of the data, for messages. */
  valueAt(path: YamlPath): unknown {
    let v: unknown = this.data;
    for (const key of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined;
    return v;
  }

  private get doc(): Document.Parsed {
    this.parsed ??= (() => {
      const { LineCounter, parseDocument } = positional();
      const lines = new LineCounter();
      return { doc: parseDocument(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
    })();
    return this.parsed.doc;
  }

  /** Problems of a file that did not load, from the positional parser's richer diagnostics. */
  private syntaxProblems(err: { mark?: { line: number; column: number }; reason?: string; message: string }): Problem[] {
    const duplicates = duplicateKeys(positional(), this.doc);
    const lines = (this.parsed as { lines: LineCounter }).lines;
    const found = this.doc.errors.map((e) => {
      const location = this.at(e.pos[0]);
      if (e.code !== 'DUPLICATE_KEY') return problem('E_YAML_SYNTAX', `invalid YAML: ${e.message.split('\n')[0]}`, { hint: syntaxHint(this.text, location.line ?? 1), location });
      const duplicate = duplicates.find((d) => d.again === e.pos[0]);
      return problem('E_DUPLICATE_KEY', duplicate ? duplicateMessage(duplicate, this.file, lines) : 'a key is set twice in the same mapping', {
        hint: `a ${duplicate?.under.length === 1 && duplicate.under[0] === 'nodes' ? 'node' : 'key'} may appear only once in a mapping: merge the two, or rename one`,
        location,
      });
    });
    if (found.length > 0) return found;
    const mark = err.mark;
    return [
      problem('E_YAML_SYNTAX', `invalid YAML: ${err.reason ?? err.message.split('\n')[0]}`, {
        hint: syntaxHint(this.text, mark ? mark.line + 1 : 1),
        location: mark ? { file: this.file, line: mark.line + 1, col: mark.column + 1 } : { file: this.file },
      }),
    ];
  }

  /** The location of the value at `path`, or of its key with `of: 'key'`; falls back to the nearest ancestor. */
  locate(path: YamlPath, of: 'key' | 'value' = 'value'): Location {
    const fast = this.nodeLocation(path, of);
    return fast ? { file: this.file, ...fast } : this.positionalLocate(path, of);
  }

  /**
   * `nodes.<name>` and `nodes.<name>.<key>` from the scan of chain.yaml's lines, where it answers
   * as the positional parse would; undefined where only the positional parse can tell.
   */
  private nodeLocation(path: YamlPath, of: 'key' | 'value'): Position | undefined {
    if (path[0] !== 'nodes' || (path.length !== 2 && path.length !== 3) || this.problems.length > 0) return undefined;
    if (this.nodes === undefined) this.nodes = nodeLines(this.text, this.data) ?? null;
    const node = this.nodes?.get(String(path[1]));
    if (!node) return undefined;
    if (path.length === 2) return of === 'key' ? node.key : node.value;
    const key = node.keys.get(String(path[2]));
    // A key the node does not set: its nearest ancestor, the node's mapping.
    if (!key) return node.value;
    return of === 'key' ? key.key : key.value;
  }

  /** `locate` by the `yaml` package's positional parse of the whole file. */
  positionalLocate(path: YamlPath, of: 'key' | 'value' = 'value'): Location {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (of === 'key' && depth === path.length && depth > 0) {
        const pair = this.pairAt(prefix);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) return this.at(range[0]);
        continue;
      }
      const node = depth === 0 ? this.doc.contents : this.pairAt(prefix)?.value ?? this.seqItem(prefix);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.at(range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** Each mapping's pairs by key, built once: a chain with many findings asks for many positions. */
  private readonly pairIndex = new WeakMap<object, Map<string, Pair>>();

  /** The key/value pair at a path whose last step is a mapping key. */
  private pairAt(path: YamlPath): Pair | undefined {
    const { isMap, isPair, isScalar } = positional();
    const parent = path.length > 1 ? this.nodeAt(path.slice(0, -1)) : this.doc.contents;
    if (!isMap(parent)) return undefined;
    let index = this.pairIndex.get(parent);
    if (!index) {
      index = new Map();
      for (const item of parent.items) if (isPair(item) && isScalar(item.key)) index.set(String(item.key.value), item as Pair);
      this.pairIndex.set(parent, index);
    }
    return index.get(String(path.at(-1)));
  }

  private nodeAt(path: YamlPath): unknown {
    return path.length === 0 ? this.doc.contents : this.pairAt(path)?.value ?? this.seqItem(path);
  }

  /** A sequence item: the last step is an index. */
  private seqItem(path: YamlPath): unknown {
    const { isSeq } = positional();
    const last = path.at(-1);
    if (typeof last !== 'number') return undefined;
    const parent = this.nodeAt(path.slice(0, -1));
    return isSeq(parent) ? parent.items[last] : undefined;
  }

  private at(offset: number): Location {
    const { line, col } = (this.parsed as { lines: LineCounter }).lines.linePos(offset);
    return { file: this.file, line, col };
  }
}
