/**
 * Human-readable directives: wall times, memory sizes, and the one-line
 * summary printed by `--pretend`.
 *
 * @module
 */

import { ceilTolerant } from "./_numeric.ts";
import { DIRECTIVE_NAMES, DIRECTIVES, type ResolvedDirectives } from "./schema.ts";

/**
 * `"hours"`: `HH:MM:SS` with as many hour digits as needed (PBS, LSF, and our
 * own output); `"days"`: `D-HH:MM:SS` from one day on (SLURM style).
 *
 * @example
 * ```ts
 * import type { WalltimeStyle } from "./format.ts";
 * const style: WalltimeStyle = "days";
 * ```
 */
export type WalltimeStyle = "hours" | "days";

/**
 * Formats a duration in seconds: `"HH:MM:SS"` (hours may exceed 99), or with
 * `style = "days"` `"D-HH:MM:SS"` once it reaches a day. A fractional second
 * is rounded up.
 *
 * @throws {RangeError} if `seconds` is negative or not finite.
 * @example
 * ```ts
 * import { formatWalltime } from "./format.ts";
 * console.log(formatWalltime(5400)); // "01:30:00"
 * console.log(formatWalltime(93784), formatWalltime(93784, "days")); // "26:03:04" "1-02:03:04"
 * ```
 */
export function formatWalltime(seconds: number, style: WalltimeStyle = "hours"): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`walltime must be a finite number of seconds ≥ 0, got ${seconds}`);
  }
  const total = ceilTolerant(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const ss = total % 60;
  const mm = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  if (style === "days" && hours >= 24) {
    return `${Math.floor(hours / 24)}-${two(hours % 24)}:${two(mm)}:${two(ss)}`;
  }
  return `${two(hours)}:${two(mm)}:${two(ss)}`;
}

const MEMORY_UNITS: readonly [string, number][] = [["T", 1024], ["G", 1], ["M", 1 / 1024], [
  "K",
  1 / (1024 * 1024),
]];

/**
 * Formats a memory size in GB with the largest unit (`T`, `G`, `M`, `K`,
 * binary) that gives a whole number, e.g. `"4G"`, `"512M"`, `"1536M"`,
 * `"1T"`; sizes no unit makes whole are written in GB (`"0.3G"`), or below
 * 1e-6 GB rounded up to whole KB. The result reads back with `parseMemory`.
 *
 * @throws {RangeError} if `gb` is not a finite number > 0.
 * @example
 * ```ts
 * import { formatMemory } from "./format.ts";
 * console.log(formatMemory(4), formatMemory(0.5), formatMemory(1.5)); // "4G" "512M" "1536M"
 * ```
 */
export function formatMemory(gb: number): string {
  if (!Number.isFinite(gb) || gb <= 0) {
    throw new RangeError(`memory must be a finite number of GB > 0, got ${gb}`);
  }
  for (const [unit, size] of MEMORY_UNITS) {
    const n = gb / size;
    if (n >= 1 && Math.abs(n - Math.round(n)) <= 1e-9 * n) {
      return `${wholeText(Math.round(n))}${unit}`;
    }
  }
  const text = String(gb);
  return text.includes("e") ? `${wholeText(Math.ceil(gb * 1024 * 1024))}K` : `${text}G`;
}

/** A whole number's digits, without the exponent JavaScript writes from 1e21 on. */
function wholeText(n: number): string {
  return n < 1e21 ? String(n) : BigInt(n).toString();
}

/**
 * A compact one-line summary for `--pretend` output: `np` always, every other
 * directive only when it differs from its default, in canonical order.
 *
 * @example
 * ```ts
 * import { formatDirectives } from "./format.ts";
 * import { DEFAULT_DIRECTIVES } from "./schema.ts";
 * const d = { ...DEFAULT_DIRECTIVES, np: 4, ngpu: 2, walltime: 5400, memory: 4 };
 * console.log(formatDirectives(d)); // "np=4 ngpu=2 walltime=01:30:00 memory=4G"
 * ```
 */
export function formatDirectives(d: ResolvedDirectives): string {
  const parts: string[] = [];
  for (const name of DIRECTIVE_NAMES) {
    const value = d[name];
    if (name !== "np" && value === DIRECTIVES[name].default) continue;
    if (value === undefined) continue;
    let text: string;
    if (name === "walltime") text = formatWalltime(value as number);
    else if (name === "memory") text = formatMemory(value as number);
    else if (typeof value === "string") {
      text = /^[\w./+:@%=,-]+$/.test(value) ? value : JSON.stringify(value);
    } else text = String(value);
    parts.push(`${name}=${text}`);
  }
  return parts.join(" ");
}
