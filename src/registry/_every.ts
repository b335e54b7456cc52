// Private helper of the registry: the conjunction of answers that may be promises.

/**
 * True when `test(item, a, b)` is true for every item, asked in order and
 * only up to the first false; synchronous while the answers are (the usual
 * case: no promise per job and condition), a promise from the first answer
 * that is one. What `test` needs besides the item comes as `a` and `b`, so
 * that callers on the path of every job pass a function made once rather
 * than a closure per call.
 */
export function every<T, A = undefined, B = undefined>(
  items: readonly T[],
  test: (item: T, a: A, b: B) => boolean | Promise<boolean>,
  a?: A,
  b?: B,
): boolean | Promise<boolean> {
  for (let i = 0; i < items.length; i++) {
    const r = test(items[i], a as A, b as B);
    if (r === false) return false;
    if (r !== true) {
      return (async () => {
        if (!(await r)) return false;
        for (let j = i + 1; j < items.length; j++) {
          if (!(await test(items[j], a as A, b as B))) return false;
        }
        return true;
      })();
    }
  }
  return true;
}
