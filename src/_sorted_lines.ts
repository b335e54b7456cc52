// Private helper of the workspace index and the condition cache: lines of a text sorted by the key
// that starts each line, read in place.
//
// Both files hold a line per job, keyed by job id and sorted. Parsing records where each line
// starts and nothing else (at 100,000 lines a few ms, where a map of strings took ~150 ms and
// megabytes that the garbage collector then copied). A line is found by key without making a
// string: next to the last one found (jobs are mostly visited in id order), else by binary search.

const NEWLINE = 10;

/**
 * Lines of a text sorted by key, each `<key><sep><rest>\n` or `<key>\n`.
 * Subclasses read the rest of a line in place.
 *
 * @example
 * ```ts
 * import { SortedLines } from "./_sorted_lines.ts";
 * const text = "a\t1\nb\t2\nc\n";
 * const lines = new SortedLines(text, SortedLines.scan(text, 0, text.length, 9)!, 9);
 * console.log(lines.find("b"), lines.key(2)); // 1 c
 * ```
 */
export class SortedLines {
  /** The whole text. */
  protected readonly text: string;
  /** Where each line starts; one more for the end of the last line. */
  protected readonly starts: Int32Array;
  /** The character code that ends a key (or the end of the line). */
  readonly #sep: number;
  /** The line after the last one found. */
  #cursor = 0;
  #lastKey: string | undefined;
  #lastRow = -1;

  /** Lines of `text` that start at `starts` (as {@link SortedLines.scan} returns them). */
  constructor(text: string, starts: Int32Array, sep: number) {
    this.text = text;
    this.starts = starts;
    this.#sep = sep;
  }

  /**
   * Where the lines of `text[from, to)` start, and `to` last; undefined if
   * a line has no newline, an empty key, fails `valid` (given where the line
   * starts and where its newline is), or the keys are not strictly
   * increasing (as `<` orders strings).
   *
   * @example
   * ```ts
   * import { SortedLines } from "./_sorted_lines.ts";
   * console.log(SortedLines.scan("b 1\na 2\n", 0, 8, 32)); // undefined (not sorted)
   * ```
   */
  static scan(
    text: string,
    from: number,
    to: number,
    sep: number,
    valid?: (start: number, end: number) => boolean,
  ): Int32Array | undefined {
    let starts = new Int32Array(Math.max(16, Math.ceil((to - from) / 40)));
    let n = 0;
    let prev = -1;
    while (from < to) {
      const end = text.indexOf("\n", from);
      if (end < 0 || end >= to) return undefined;
      const first = text.charCodeAt(from);
      if (first === sep || first === NEWLINE) return undefined;
      if (valid && !valid(from, end)) return undefined;
      if (prev >= 0 && compareKeys(text, prev, from, sep) >= 0) return undefined;
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
    return starts.subarray(0, n + 1);
  }

  /** How many lines there are. */
  get size(): number {
    return this.starts.length - 1;
  }

  /**
   * The line of `key`, or -1. Looks next to the last line found first,
   * then searches.
   */
  find(key: string): number {
    // A job's line is asked for several times in a row (its stamp, then each condition).
    if (key === this.#lastKey) return this.#lastRow;
    const row = this.#find(key);
    this.#lastKey = key;
    this.#lastRow = row;
    return row;
  }

  #find(key: string): number {
    const c = this.#cursor;
    if (c < this.size && this.compare(c, key) === 0) {
      this.#cursor = c + 1;
      return c;
    }
    if (c > 0 && this.compare(c - 1, key) === 0) return c - 1;
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const cmp = this.compare(mid, key);
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
   * Negative, zero or positive as `row`'s key comes before, is, or comes
   * after `key` (as `<` orders strings).
   */
  compare(row: number, key: string): number {
    const text = this.text;
    const sep = this.#sep;
    const start = this.starts[row];
    for (let i = 0;; i++) {
      const r = text.charCodeAt(start + i);
      if (r === sep || r === NEWLINE) return i === key.length ? 0 : -1;
      if (i === key.length) return 1;
      const d = r - key.charCodeAt(i);
      if (d !== 0) return d;
    }
  }

  /** Where `row`'s key ends (at the separator or the newline). */
  protected keyEnd(row: number): number {
    const text = this.text;
    const sep = this.#sep;
    let i = this.starts[row];
    for (let c = text.charCodeAt(i); c !== sep && c !== NEWLINE; c = text.charCodeAt(++i));
    return i;
  }

  /** `row`'s key. */
  key(row: number): string {
    return this.text.slice(this.starts[row], this.keyEnd(row));
  }

  /** The text of rows `from` to `to` (exclusive), newlines included. */
  lines(from: number, to: number): string {
    return this.text.slice(this.starts[from], this.starts[to]);
  }
}

/** The keys at `a` and `b` in `text` (each ends at `sep` or a newline), compared as `<` orders strings. */
function compareKeys(text: string, a: number, b: number, sep: number): number {
  for (let i = 0;; i++) {
    let x = text.charCodeAt(a + i);
    let y = text.charCodeAt(b + i);
    if (x === NEWLINE) x = sep;
    if (y === NEWLINE) y = sep;
    if (x === sep || y === sep) return x === y ? 0 : x === sep ? -1 : 1;
    if (x !== y) return x - y;
  }
}
