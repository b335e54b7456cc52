// Private helper of the registry: the conjunction of answers that may be promises.

/**
 * True when `test` is true for every item, asked in order and only up to the
 * first false; synchronous while the answers are (the usual case: no promise
 * per job and condition), a promise from the first answer that is one.
 */
export function every(
  items: readonly unknown[],
  test: (item: never) => boolean | Promise<boolean>,
): boolean | Promise<boolean> {
  for (let i = 0; i < items.length; i++) {
    const r = test(items[i] as never);
    if (r === false) return false;
    if (r !== true) {
      return (async () => {
        if (!(await r)) return false;
        for (let j = i + 1; j < items.length; j++) {
          if (!(await test(items[j] as never))) return false;
        }
        return true;
      })();
    }
  }
  return true;
}
