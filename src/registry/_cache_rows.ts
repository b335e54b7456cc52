// Private helper of condition_cache.ts: the entries of a cache file, read in place.
//
// A line per job, "<id> <dir stamp> <doc stamp> <codes>\n", sorted by id (see ../_sorted_lines.ts
// for how lines are found without making strings); a line's fields are compared where they lie.

import { SortedLines } from "../_sorted_lines.ts";

const SPACE = 32;
const ZERO = 48;
const MINUS = 45;

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
export class CacheRows extends SortedLines {
  /** The row read last, and where its fields start (a job's codes are read once per condition). */
  #memoRow = -1;
  #dir = 0;
  #doc = 0;
  #codes = 0;
  #end = 0;

  private constructor(text: string, starts: Int32Array) {
    super(text, starts, SPACE);
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
    const starts = SortedLines.scan(text, from, text.length, SPACE, (start, end) => {
      const a = text.indexOf(" ", start);
      const b = text.indexOf(" ", a + 1);
      const c = text.indexOf(" ", b + 1);
      return a > start && b >= 0 && c >= 0 && c <= end;
    });
    return starts && new CacheRows(text, starts);
  }

  /**
   * The same rows in a copy of the text (read again by a Worker), from the
   * line starts of {@link CacheRows.lineStarts}: not checked again.
   *
   * @example
   * ```ts
   * import { CacheRows } from "./_cache_rows.ts";
   * const text = "a 1:1 0 1\n";
   * const rows = CacheRows.of(text, CacheRows.parse(text, 0)!.lineStarts());
   * console.log(rows.id(0)); // a
   * ```
   */
  static of(text: string, starts: Int32Array): CacheRows {
    return new CacheRows(text, starts);
  }

  /** Where each line starts, then the end of the last one: what {@link CacheRows.of} needs. */
  lineStarts(): Int32Array {
    return this.starts;
  }

  /** `row`'s id. */
  id(row: number): string {
    return this.key(row);
  }

  /**
   * Finds where `row`'s fields start (dir stamp, doc stamp, codes, end of
   * line), into fields of this object: no array per row read.
   */
  #fields(row: number): void {
    if (row === this.#memoRow) return;
    const text = this.text;
    const a = text.indexOf(" ", this.starts[row]);
    const b = text.indexOf(" ", a + 1);
    const c = text.indexOf(" ", b + 1);
    this.#memoRow = row;
    this.#dir = a + 1;
    this.#doc = b + 1;
    this.#codes = c + 1;
    this.#end = this.starts[row + 1] - 1;
  }

  /** True if `row`'s directory stamp is `stamp`. */
  dirIs(row: number, stamp: string): boolean {
    this.#fields(row);
    return this.#doc - 1 - this.#dir === stamp.length && this.text.startsWith(stamp, this.#dir);
  }

  /** True if `row`'s directory stamp is that of the times `m` and `c` (see `stampTimes`). */
  dirTimesAre(row: number, m: number, c: number): boolean {
    this.#fields(row);
    return this.#timesAre(this.#dir, this.#doc - 1, m, c);
  }

  /** True if `row` records no document (its document stamp is "0"). */
  noDoc(row: number): boolean {
    this.#fields(row);
    return this.#codes - this.#doc === 2 && this.text.charCodeAt(this.#doc) === ZERO;
  }

  /** True if `row`'s document stamp is that of the times `m` and `c`. */
  docTimesAre(row: number, m: number, c: number): boolean {
    this.#fields(row);
    return this.#timesAre(this.#doc, this.#codes - 1, m, c);
  }

  /** True if `text[from, to)` is `${m}:${c}`, read as numbers where it lies. */
  #timesAre(from: number, to: number, m: number, c: number): boolean {
    const colon = this.text.indexOf(":", from);
    return colon > from && colon < to && this.#numberIs(from, colon, m) &&
      this.#numberIs(colon + 1, to, c);
  }

  /** True if `text[from, to)` is the integer `n` as JavaScript writes it (`${n}`). */
  #numberIs(from: number, to: number, n: number): boolean {
    const text = this.text;
    let negative = false;
    if (text.charCodeAt(from) === MINUS) {
      negative = true;
      from++;
    }
    // No leading zero (but "0" itself), at most 15 digits: exact, and one way to write each.
    if (to <= from || to - from > 15 || (to - from > 1 && text.charCodeAt(from) === ZERO)) {
      return false;
    }
    let value = 0;
    for (let i = from; i < to; i++) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return false;
      value = value * 10 + d;
    }
    return (negative ? -value : value) === n && !(negative && value === 0);
  }

  /** `row`'s document stamp ("0" when the job had no document). */
  doc(row: number): string {
    this.#fields(row);
    return this.text.slice(this.#doc, this.#codes - 1);
  }

  /** The character code of column `col` of `row`'s codes, NaN past their end. */
  code(row: number, col: number): number {
    this.#fields(row);
    const at = this.#codes + col;
    return at < this.#end ? this.text.charCodeAt(at) : NaN;
  }

  /** `row`'s fields as strings. */
  entry(row: number): { dir: string; doc: string; codes: string } {
    this.#fields(row);
    return {
      dir: this.text.slice(this.#dir, this.#doc - 1),
      doc: this.text.slice(this.#doc, this.#codes - 1),
      codes: this.text.slice(this.#codes, this.#end),
    };
  }
}
