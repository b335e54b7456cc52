// Private helper of eligibility.ts: a map that keeps the entries of the last few keys set.
//
// `flow status` evaluates job by job and needs the listings and documents of the last few jobs
// only. A Map that drops its oldest entry on each insertion (`map.keys().next()`) makes an iterator
// each time and walks over the holes its deletions leave at its front until it is compacted; here
// the keys in insertion order are kept in a ring. Alone, 100,000 insertions of new ids: 106 → 20
// ms in a first pass, 8-10 → 5-7 ms once optimised; in a first status at 100,000 jobs either costs
// ~75 ms of profiled self time, most of it hashing each new id once, which any map keyed by id
// pays.

/**
 * A map of at most `limit` entries (unbounded for `Infinity`): setting a new
 * key once `limit` keys were set drops the entry of the key set `limit` keys
 * before it (if it is still there).
 *
 * @example
 * ```ts
 * import { RecentMap } from "./_recent.ts";
 * const m = new RecentMap<number>(2);
 * m.set("a", 1); m.set("b", 2); m.set("c", 3);
 * console.log(m.get("a"), m.get("b"), m.get("c")); // undefined 2 3
 * ```
 */
export class RecentMap<V> {
  readonly #map = new Map<string, V>();
  readonly #ring: (string | undefined)[] | undefined;
  #next = 0;

  /** A map keeping the entries of the last `limit` keys set (at least 1). */
  constructor(limit: number) {
    this.#ring = Number.isFinite(limit) ? new Array(Math.max(1, limit)) : undefined;
  }

  /** The value of `key`, if kept. */
  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  /** Sets `key`; a key not kept yet may push the oldest one out. */
  set(key: string, value: V): void {
    const ring = this.#ring;
    if (ring && !this.#map.has(key)) {
      const oldest = ring[this.#next];
      // (A key deleted and set again since may go early: harmless for what is kept here.)
      if (oldest !== undefined) this.#map.delete(oldest);
      ring[this.#next] = key;
      this.#next = (this.#next + 1) % ring.length;
    }
    this.#map.set(key, value);
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#map.delete(key);
  }

  /** How many entries are kept. */
  get size(): number {
    return this.#map.size;
  }
}
