// Private helper: a binary min-heap ordered by a numeric key tuple.

/** A min-heap of items ordered by their key tuples (compared element by element). */
export class Heap<T> {
  readonly #items: { key: number[]; value: T }[] = [];

  /** Number of items. */
  get size(): number {
    return this.#items.length;
  }

  #less(i: number, j: number): boolean {
    const a = this.#items[i].key;
    const b = this.#items[j].key;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k];
    return false;
  }

  #swap(i: number, j: number): void {
    const t = this.#items[i];
    this.#items[i] = this.#items[j];
    this.#items[j] = t;
  }

  /** Adds an item. */
  push(value: T, key: number[]): void {
    this.#items.push({ key, value });
    let i = this.#items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0].value;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(l, m)) m = l;
        if (r < items.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
