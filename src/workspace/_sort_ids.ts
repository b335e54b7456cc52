// Private helper of _listdir.ts: sorting job ids.
//
// A first listing of 100,000 job folders sorted their ids with Array.prototype.sort in 60-80 ms
// (1.7 million string comparisons), on the one thread that is busy before anything else can
// start. Job ids are 32 hexadecimal digits, so the first 8 give a number that orders them, and
// a Float64Array of such numbers (each with its position in the low bits) sorts natively in a few
// milliseconds; ids with the same first 8 digits (rare: about one pair among 100,000) are then
// put in order by comparing them whole.

/** Hexadecimal digits of the key: 8 digits are 32 bits. */
const KEY_DIGITS = 8;
/** Bits for the position below the key: 32 + 21 bits fit the 53 of a double exactly. */
const POSITION_BITS = 21;
const POSITIONS = 2 ** POSITION_BITS;

/**
 * The sort key of the id that starts at `at` in `text`: its first 8
 * hexadecimal digits as a number; -1 if they are not 8 lower-case
 * hexadecimal digits (such ids are sorted by `ids.sort()`).
 *
 * @example
 * ```ts
 * import { idKey } from "./_sort_ids.ts";
 * console.log(idKey("x0000001f", 1)); // 31
 * console.log(idKey("0000001F", 0)); // -1
 * ```
 */
export function idKey(text: string, at: number): number {
  if (text.length < at + KEY_DIGITS) return -1;
  let v = 0;
  for (let k = at; k < at + KEY_DIGITS; k++) {
    const d = hexDigit(text.charCodeAt(k));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The value of a lower-case hexadecimal digit's UTF-16 code (0-9, then a-f),
 * -1 for anything else (upper case included: such ids order differently).
 *
 * @example
 * ```ts
 * import { hexDigit } from "./_sort_ids.ts";
 * console.log(hexDigit("f".charCodeAt(0)), hexDigit("F".charCodeAt(0))); // 15 -1
 * ```
 */
export function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * Sorts `ids` in place as `ids.sort()` would (by UTF-16 code units) and
 * returns it. Fast when every id starts with 8 lower-case hexadecimal
 * digits and there are fewer than 2,097,152 of them; otherwise it is
 * `ids.sort()`.
 *
 * @example
 * ```ts
 * import { sortIds } from "./_sort_ids.ts";
 * console.log(sortIds(["b0000000", "0a000000", "0a000000x"])); // ["0a000000", "0a000000x", "b0000000"]
 * ```
 */
export function sortIds(ids: string[]): string[] {
  const n = ids.length;
  if (n < 2) return ids;
  if (n >= POSITIONS) return ids.sort();
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = idKey(ids[i], 0);
    if (key < 0) return ids.sort();
    keys[i] = key;
  }
  return sortIdsByKeys(ids, keys);
}

/**
 * Sorts `ids` in place as `ids.sort()` would, given the {@link idKey} of
 * each (`keys[i]` of `ids[i]`, none negative; `keys` is overwritten), and
 * returns it. For a caller that computed the keys while it found the ids.
 *
 * @example
 * ```ts
 * import { idKey, sortIdsByKeys } from "./_sort_ids.ts";
 * const ids = ["b0000000", "0a000000"];
 * const keys = Float64Array.from(ids, (id) => idKey(id, 0));
 * console.log(sortIdsByKeys(ids, keys)); // ["0a000000", "b0000000"]
 * ```
 */
export function sortIdsByKeys(ids: string[], keys: Float64Array): string[] {
  const n = ids.length;
  if (n < 2) return ids;
  if (n >= POSITIONS) return ids.sort();
  for (let i = 0; i < n; i++) keys[i] = keys[i] * POSITIONS + i;
  keys.subarray(0, n).sort();
  const sorted = new Array<string>(n);
  for (let i = 0; i < n; i++) sorted[i] = ids[keys[i] % POSITIONS];
  // Runs of ids with the same key are in the order they were listed: sort each run whole.
  for (let i = 1; i < n; i++) {
    if (Math.floor(keys[i] / POSITIONS) !== Math.floor(keys[i - 1] / POSITIONS)) continue;
    let end = i + 1;
    while (end < n && Math.floor(keys[end] / POSITIONS) === Math.floor(keys[i] / POSITIONS)) end++;
    const run = sorted.slice(i - 1, end).sort();
    for (let k = 0; k < run.length; k++) sorted[i - 1 + k] = run[k];
    i = end - 1;
  }
  for (let i = 0; i < n; i++) ids[i] = sorted[i];
  return ids;
}
