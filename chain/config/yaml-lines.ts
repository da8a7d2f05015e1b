/**
 * Where each node of chain.yaml and each of its keys is, from one scan of the text's lines (pure):
 * `chain lint` of a large chain points thousands of findings at `nodes.<name>` and its keys, and
 * the `yaml` package's positional parse of the whole file cost more than the rest of the lint.
 *
 * The scan reads only the block layout chain.yaml is written in (`nodes:` at the top, one
 * `name:` per node, one `key: value` per line under it) and answers only where the positional
 * parse would answer the same: a line it does not recognise, a key that could be read as
 * something other than its text, or a count of keys that differs from the loaded data, and it
 * answers nothing (the positional parse then does). A value that starts with an anchor or a tag,
 * or a null, is left to the positional parse too.
 */

export interface Position {
  line: number;
  col: number;
}

interface KeyAt {
  key: Position;
  /** undefined: left to the positional parse */
  value?: Position;
}

export interface NodeLines {
  key: Position;
  /** where the node's mapping starts (its first key) */
  value?: Position;
  keys: Map<string, KeyAt>;
}

/** A plain key that YAML reads as the string it spells (not a number, a boolean or null). */
const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?=\s|$)/;
const NOT_A_STRING = /^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;
/** Where a value's node starts after these, the positional parse decides (anchors, tags, reserved or stray characters). */
const UNSURE_START = /^[&!%@`#?]/;

/**
 * The lines of `nodes` in chain.yaml, keyed by node name; undefined when the text is not in the
 * layout this scan reads, or does not match `data` (the loaded file) key for key.
 */
export function nodeLines(text: string, data: unknown): Map<string, NodeLines> | undefined {
  const nodes = data && typeof data === 'object' ? (data as Record<string, unknown>).nodes : undefined;
  if (!nodes || typeof nodes !== 'object' || Array.isArray(nodes)) return undefined;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^nodes:(\s+#.*)?\s*$/.test(l));
  if (start < 0 || lines.findIndex((l, i) => i > start && /^nodes\s*:/.test(l)) >= 0) return undefined;
  const out = new Map<string, NodeLines>();
  let nodeIndent = -1;
  let keyIndent = -1;
  let node: NodeLines | undefined;
  /** the key whose value starts on a later line */
  let pending: KeyAt | undefined;
  /** the node key line was just read: its mapping starts at the next key */
  let open = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const indent = line.search(/\S/);
    if (indent < 0 || line[indent] === '#') continue;
    if (!/^ *$/.test(line.slice(0, indent))) return undefined; // only spaces indent YAML
    if (indent === 0) break;
    const here = (col: number): Position => ({ line: i + 1, col: col + 1 });
    if (nodeIndent < 0) nodeIndent = indent;
    if (indent === nodeIndent) {
      const m = KEY.exec(line.slice(indent));
      if (!m || NOT_A_STRING.test(m[1] as string) || out.has(m[1] as string) || !/^\s*(#.*)?$/.test(line.slice(indent + m[0].length))) return undefined;
      node = { key: here(indent), keys: new Map() };
      out.set(m[1] as string, node);
      keyIndent = -1;
      pending = undefined;
      open = true;
      continue;
    }
    if (!node || indent < nodeIndent) return undefined;
    if (open) {
      if (indent <= nodeIndent) return undefined;
      keyIndent = indent;
    }
    if (indent > keyIndent) {
      // The value of the key above, written on the lines below it.
      if (pending && !UNSURE_START.test(line.slice(indent))) pending.value = here(indent);
      pending = undefined;
      continue;
    }
    if (indent < keyIndent) return undefined;
    const m = KEY.exec(line.slice(indent));
    if (!m || NOT_A_STRING.test(m[1] as string) || node.keys.has(m[1] as string)) return undefined;
    if (open) node.value = here(indent);
    open = false;
    const rest = line.slice(indent + m[0].length);
    const valueCol = rest.search(/\S/);
    const at: KeyAt = { key: here(indent) };
    node.keys.set(m[1] as string, at);
    pending = undefined;
    if (valueCol < 0 || rest[valueCol] === '#') pending = at;
    else if (!UNSURE_START.test(rest.slice(valueCol)) && !/^-(\s|$)/.test(rest.slice(valueCol))) at.value = here(indent + m[0].length + valueCol);
  }
  return matches(out, nodes as Record<string, unknown>) ? out : undefined;
}

/** Every node and key of the loaded data found by the scan, and nothing else. */
function matches(found: Map<string, NodeLines>, nodes: Record<string, unknown>): boolean {
  const names = Object.keys(nodes);
  if (names.length !== found.size) return false;
  return names.every((name) => {
    const lines = found.get(name);
    const value = nodes[name];
    if (!lines) return false;
    const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
    if (keys.length === 0) {
      // A node that is not a block mapping of keys: only its key is known.
      lines.value = undefined;
      return lines.keys.size === 0;
    }
    return keys.length === lines.keys.size && keys.every((k) => lines.keys.has(k));
  });
}
