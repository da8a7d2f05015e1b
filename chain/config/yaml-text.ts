/**
 * YAML text for documents chain writes for other tools (CI pipelines): plain data in, YAML out,
 * with a comment on top. No anchors or aliases (not every engine reads them), no folded lines;
 * short lists of words on one line (`needs: [a, b]`), and, as asked, a blank line between the
 * entries of the top-level mapping and of the mappings it names (a pipeline's jobs).
 */
import { Document, isMap, isPair, isScalar, visit } from 'yaml';

const SHORT = 80;

export interface Spacing {
  /** a blank line between the entries of the top-level mapping */
  top?: boolean;
  /** and between those of the mappings under these top-level keys */
  under?: readonly string[];
}

export function yamlText(data: unknown, comment?: string, spacing: Spacing = {}): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  if (comment) doc.commentBefore = comment;
  visit(doc, {
    Seq(_key, seq) {
      const words = seq.items.map((item) => (isScalar(item) ? String(item.value) : undefined));
      if (words.length > 0 && words.every((w) => w !== undefined && !/[\s,[\]{}#:'"]/.test(w)) && words.join(', ').length <= SHORT) seq.flow = true;
    },
  });
  const space = (map: unknown) => {
    if (!isMap(map)) return;
    map.items.forEach((pair, i) => {
      if (i > 0 && isScalar(pair.key)) pair.key.spaceBefore = true;
    });
  };
  if (spacing.top) space(doc.contents);
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) if (isPair(pair) && isScalar(pair.key) && spacing.under?.includes(String(pair.key.value))) space(pair.value);
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0, flowCollectionPadding: false });
}
