// Private helper of condition_cache.ts: the entries of a cache file, read in place.
//
// A line per job, "<id> <dir stamp> <doc stamp> <codes>\n", sorted by id (see ../_sorted_lines.ts
// for how lines are found without making strings); a line's fields are compared where they lie.

import { SortedLines } from "../_sorted_lines.ts";

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
export class CacheRows extends SortedLines {
  /** The fields of the row read last (a job's codes are read once per condition). */
  #memoRow = -1;
  #memo: [number, number, number, number] = [0, 0, 0, 0];

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

  /** `row`'s id. */
  id(row: number): string {
    return this.key(row);
  }

  /** Where `row`'s fields start: [dir stamp, doc stamp, codes, end of line]. */
  #fields(row: number): [number, number, number, number] {
    if (row === this.#memoRow) return this.#memo;
    const text = this.text;
    const a = text.indexOf(" ", this.starts[row]);
    const b = text.indexOf(" ", a + 1);
    const c = text.indexOf(" ", b + 1);
    this.#memoRow = row;
    return this.#memo = [a + 1, b + 1, c + 1, this.starts[row + 1] - 1];
  }

  /** True if `row`'s directory stamp is `stamp`. */
  dirIs(row: number, stamp: string): boolean {
    const [dir, doc] = this.#fields(row);
    return doc - 1 - dir === stamp.length && this.text.startsWith(stamp, dir);
  }

  /** `row`'s document stamp ("0" when the job had no document). */
  doc(row: number): string {
    const [, doc, codes] = this.#fields(row);
    return this.text.slice(doc, codes - 1);
  }

  /** The character code of column `col` of `row`'s codes, NaN past their end. */
  code(row: number, col: number): number {
    const [, , codes, end] = this.#fields(row);
    return codes + col < end ? this.text.charCodeAt(codes + col) : NaN;
  }

  /** `row`'s fields as strings. */
  entry(row: number): { dir: string; doc: string; codes: string } {
    const [dir, doc, codes, end] = this.#fields(row);
    return {
      dir: this.text.slice(dir, doc - 1),
      doc: this.text.slice(doc, codes - 1),
      codes: this.text.slice(codes, end),
    };
  }
}
