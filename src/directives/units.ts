/**
 * Reading memory sizes and wall times into canonical units: memory in GB
 * (binary: 1 GB = 1024 MB, as signac-flow reads `"512m"` as 0.5), wall time
 * in whole seconds.
 *
 * Both functions return `undefined` for a value they do not accept, so that
 * the caller words the error (see `validate.ts`).
 *
 * @module
 */

import { ceilTolerant } from "./_numeric.ts";

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  k: 1 / (1024 * 1024),
  m: 1 / 1024,
  g: 1,
  t: 1024,
};
const MEMORY_RE = /^(\d+(?:\.\d+)?|\.\d+)([kmgt])$/i;

/**
 * A memory size in GB, or `undefined` if `value` is not a valid size.
 *
 * Accepts a finite number of GB > 0, or a string of a decimal number and one
 * unit letter `K`, `M`, `G` or `T` (either case, binary multiples, no space,
 * no `B`): `"512M"` is 0.5, `"1.5g"` is 1.5, `"1T"` is 1024. Sizes of 0 are
 * refused.
 *
 * @example
 * ```ts
 * import { parseMemory } from "./units.ts";
 * console.log(parseMemory("2048m"), parseMemory(4), parseMemory("4GB")); // 2 4 undefined
 * ```
 */
export function parseMemory(value: number | string): number | undefined {
  let gb: number;
  if (typeof value === "number") {
    gb = value;
  } else {
    const m = MEMORY_RE.exec(value);
    if (m === null) return undefined;
    gb = Number(m[1]) * MEMORY_UNITS[m[2].toLowerCase()];
  }
  return Number.isFinite(gb) && gb > 0 ? gb : undefined;
}

const WALLTIME_RE = /^(?:(\d+)-)?(\d+):(\d{2}):(\d{2})$/;

/**
 * A wall time in whole seconds, or `undefined` if `value` is not valid.
 *
 * Accepts a finite number of hours > 0 (rounded up to a whole second,
 * forgiving float noise: 1.1 hours is 3960 s), `"HH:MM:SS"` (any number of
 * hours) or `"D-HH:MM:SS"` (hours ≤ 23); minutes and seconds are two digits
 * ≤ 59. Two-field forms (`"MM:SS"` for SLURM, `"HH:MM"` for others) are
 * ambiguous and refused, and so is a zero duration.
 *
 * @example
 * ```ts
 * import { parseWalltime } from "./units.ts";
 * console.log(parseWalltime(1.5), parseWalltime("1-02:03:04"), parseWalltime("90:00")); // 5400 93784 undefined
 * ```
 */
export function parseWalltime(value: number | string): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    const seconds = Math.max(1, ceilTolerant(value * 3600));
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const m = WALLTIME_RE.exec(value);
  if (m === null) return undefined;
  const [days, hours, minutes, seconds] = [m[1] ?? "0", m[2], m[3], m[4]].map(Number);
  if (minutes > 59 || seconds > 59 || (m[1] !== undefined && hours > 23)) return undefined;
  const total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}
