// Private helpers: option value parsers shared by commands.

import { InvalidArgumentError } from "./deps.ts";

/** A parser for a whole number ≥ 1; the message names the option. */
export function positiveInt(what: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${what} must be a whole number ≥ 1`);
    }
    return n;
  };
}

/** A parser for a number of seconds > 0. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("must be a number of seconds > 0");
  }
  return n;
}
