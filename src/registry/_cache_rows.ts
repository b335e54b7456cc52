// Private helper of condition_cache.ts: the entries of a cache file, read in place.
//
// A line per job, "<id> <dir stamp> <doc stamp> <codes>\n", sorted by id. Parsing records where
// each line starts and nothing else: at 100,000 jobs ~20 ms, where a map of entries (a key, three
// strings and an object per line) took ~150 ms and 15 MB that the garbage collector then copied.
// A job's line is found by id without making a string: next to the last one found (jobs are
// mostly visited in the order of the workspace index, which is sorted too), else by binary search.

const SPACE = 32;

/**
 * The sorted lines of a condition cache file, from `from` on in `text`.
 *
 * @example
 * ```ts
 * import { CacheRows } from "./_cache_rows.ts";
 * const rows = CacheRows.parse("a 1:1 0 10\nb 2:2 3:3 -1\n", 0)!;
 * const r = rows.find("b");
 * console.log(r, rows.dirIs(r, "2:2"), rows.code(r, 1)); // 1 true 49
 * ```
 */
export class CacheRows {
  readonly #text: string;
  /** Where each line starts; one more for the end of the last line. */
  readonly #starts: Int32Array;
  /** The row after the last one found. */
  #cursor = 0;
  #lastId: string | undefined;
  #lastRow = -1;
  /** The fields of the row read last (a job's codes are read once per condition). */
  #memoRow = -1;
  #memo: [number, number, number, number] = [0, 0, 0, 0];

  private constructor(text: string, starts: Int32Array) {
    this.#text = text;
    this.#starts = starts;
  }

  /**
   * The lines of `text` from `from` on; undefined if one is malformed (fewer
   * than four fields, an empty id) or the ids are not strictly increasing.
   *
   * @example
   * ```ts
   * import { CacheRows } from "./_cache_rows.ts";
   * console.log(CacheRows.parse("b 1:1 0 1\na 1:1 0 1\n", 0)); // undefined (not sorted)
   * ```
   */
  static parse(text: string, from: number): CacheRows | undefined {
    let starts = new Int32Array(Math.max(16, Math.ceil((text.length - from) / 48)));
    let n = 0;
    let prev = -1;
    while (from < text.length) {
      const end = text.indexOf("\n", from);
      if (end < 0) return undefined;
      const a = text.indexOf(" ", from);
      const b = text.indexOf(" ", a + 1);
      const c = text.indexOf(" ", b + 1);
      if (a <= from || b < 0 || c < 0 || c > end) return undefined;
      if (prev >= 0 && compareIds(text, prev, from) >= 0) return undefined;
      if (n + 1 >= starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[n++] = from;
      prev = from;
      from = end + 1;
    }
    starts[n] = from;
    return new CacheRows(text, starts.subarray(0, n + 1));
  }

  /** How many lines there are. */
  get size(): number {
    return this.#starts.length - 1;
  }

  /**
   * The row of `id`, or -1. Looks next to the last row found first, then
   * searches.
   */
  find(id: string): number {
    // A job's row is asked for several times in a row (its stamp, then each condition).
    if (id === this.#lastId) return this.#lastRow;
    const row = this.#find(id);
    this.#lastId = id;
    this.#lastRow = row;
    return row;
  }

  #find(id: string): number {
    const c = this.#cursor;
    if (c < this.size && this.compare(c, id) === 0) {
      this.#cursor = c + 1;
      return c;
    }
    if (c > 0 && this.compare(c - 1, id) === 0) return c - 1;
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const cmp = this.compare(mid, id);
      if (cmp === 0) {
        this.#cursor = mid + 1;
        return mid;
      }
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Negative, zero or positive as `row`'s id comes before, is, or comes
   * after `id` (as `<` orders strings).
   */
  compare(row: number, id: string): number {
    const text = this.#text;
    const start = this.#starts[row];
    for (let i = 0;; i++) {
      const r = text.charCodeAt(start + i);
      if (r === SPACE) return i === id.length ? 0 : -1;
      if (i === id.length) return 1;
      const d = r - id.charCodeAt(i);
      if (d !== 0) return d;
    }
  }

  /** `row`'s id. */
  id(row: number): string {
    const start = this.#starts[row];
    return this.#text.slice(start, this.#text.indexOf(" ", start));
  }

  /** Where `row`'s fields start: [dir stamp, doc stamp, codes, end of line]. */
  #fields(row: number): [number, number, number, number] {
    if (row === this.#memoRow) return this.#memo;
    const text = this.#text;
    const a = text.indexOf(" ", this.#starts[row]);
    const b = text.indexOf(" ", a + 1);
    const c = text.indexOf(" ", b + 1);
    this.#memoRow = row;
    return this.#memo = [a + 1, b + 1, c + 1, this.#starts[row + 1] - 1];
  }

  /** True if `row`'s directory stamp is `stamp`. */
  dirIs(row: number, stamp: string): boolean {
    const [dir, doc] = this.#fields(row);
    return doc - 1 - dir === stamp.length && this.#text.startsWith(stamp, dir);
  }

  /** `row`'s document stamp ("0" when the job had no document). */
  doc(row: number): string {
    const [, doc, codes] = this.#fields(row);
    return this.#text.slice(doc, codes - 1);
  }

  /** The character code of column `col` of `row`'s codes, NaN past their end. */
  code(row: number, col: number): number {
    const [, , codes, end] = this.#fields(row);
    return codes + col < end ? this.#text.charCodeAt(codes + col) : NaN;
  }

  /** `row`'s fields as strings. */
  entry(row: number): { dir: string; doc: string; codes: string } {
    const [dir, doc, codes, end] = this.#fields(row);
    return {
      dir: this.#text.slice(dir, doc - 1),
      doc: this.#text.slice(doc, codes - 1),
      codes: this.#text.slice(codes, end),
    };
  }

  /** The text of rows `from` to `to` (exclusive), newlines included. */
  lines(from: number, to: number): string {
    return this.#text.slice(this.#starts[from], this.#starts[to]);
  }
}

/** The ids at `a` and `b` in `text` (each ends at a space) compared as `<` orders strings. */
function compareIds(text: string, a: number, b: number): number {
  for (let i = 0;; i++) {
    const x = text.charCodeAt(a + i);
    const y = text.charCodeAt(b + i);
    if (x === SPACE || y === SPACE) return x === y ? 0 : x === SPACE ? -1 : 1;
    if (x !== y) return x - y;
  }
}
