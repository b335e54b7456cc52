/**
 * Edit distance and "did you mean" suggestions, shared by every part that
 * names an unknown word back to the user.
 *
 * @module
 */

/**
 * Levenshtein distance: the fewest single-character insertions, deletions and
 * substitutions turning `a` into `b`.
 *
 * @example
 * ```ts
 * import { levenshtein } from "./suggest.ts";
 * console.log(levenshtein("ngpus", "ngpu")); // 1
 * ```
 */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word`, or `undefined` when none is close.
 *
 * Comparison ignores case. A candidate is close when its edit distance is at
 * most a third of the longer name (rounded up, at least 1), or when one name
 * of at least 3 characters is contained in the other (`time` → `walltime`).
 * Ties go to the earlier candidate.
 *
 * @example
 * ```ts
 * import { closest } from "./suggest.ts";
 * console.log(closest("ngpus", ["np", "ngpu"])); // "ngpu"
 * console.log(closest("color", ["np", "ngpu"])); // undefined
 * ```
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const d = levenshtein(w, c);
    const [shorter, longer] = w.length <= c.length ? [w, c] : [c, w];
    const near = d <= Math.max(1, Math.ceil(longer.length / 3));
    const contained = shorter.length >= 3 && longer.includes(shorter);
    // A candidate the word begins (g → g1) beats an equally distant one it does not.
    const score = d - (c.startsWith(w) ? 0.5 : 0);
    if ((near || contained) && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
