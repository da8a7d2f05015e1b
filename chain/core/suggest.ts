/**
 * "Did you mean": the known name closest to a misspelt one (pure). Used for commands, options,
 * nodes, parents, teams and keys, so a typo is answered with the word that was meant.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate closest to `word`, when it is close enough to be a typo of it: at most a third of
 * the word's length apart (at least 1, at most 3), compared without case. Ties go to the first.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `did you mean x?` (with the rendering of the suggestion given), or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>, show: (s: string) => string = (s) => s): string | undefined {
  const found = closest(word, candidates);
  return found === undefined ? undefined : `did you mean ${show(found)}?`;
}

/** A hint that leads with the suggestion when there is one, then the rest. */
export function hintWith(word: string, candidates: Iterable<string>, rest: string, show?: (s: string) => string): string {
  const suggestion = didYouMean(word, candidates, show);
  return suggestion ? `${suggestion} ${rest}` : rest;
}
