/** A YAML file parsed with positions, so every problem can point at file:line:col. */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { problem, type Location, type Problem } from '../core/errors.js';

export type YamlPath = readonly (string | number)[];

export class YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly problems: Problem[];
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    this.problems = this.doc.errors.map((e) => {
      const duplicate = e.code === 'DUPLICATE_KEY';
      return problem(duplicate ? 'E_DUPLICATE_KEY' : 'E_YAML_SYNTAX', duplicate ? 'a key is set twice in the same mapping' : `invalid YAML: ${e.message.split('\n')[0]}`, {
        hint: duplicate ? 'a node or key may appear only once; merge or rename the duplicate' : 'check indentation, quoting and colons near this position',
        location: this.at(e.pos[0]),
      });
    });
  }

  /** The file's content as plain data (undefined when it did not parse). */
  toJS(): unknown {
    return this.problems.length > 0 ? undefined : this.doc.toJS();
  }

  /** The location of the value at `path`, or of its key with `of: 'key'`; falls back to the nearest ancestor. */
  locate(path: YamlPath, of: 'key' | 'value' = 'value'): Location {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (of === 'key' && depth === path.length && depth > 0) {
        const parent = prefix.length > 1 ? this.doc.getIn(prefix.slice(0, -1), true) : this.doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(prefix.at(-1)));
          const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
          if (range) return this.at(range[0]);
        }
        continue;
      }
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.at(range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  private at(offset: number): Location {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }
}
