/**
 * Test assertions, from Node's built-in `node:assert/strict` (JSR's `@std/assert`
 * is not reachable from our machines). Thin wrappers give the argument order
 * of `@std/assert`, so that a later switch is one line.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (message === undefined) assert.deepStrictEqual(actual, expected);
  else assert.deepStrictEqual(actual, expected, message);
}

/** Asserts a condition is truthy. */
export function assert_(cond: unknown, message?: string): asserts cond {
  if (message === undefined) assert.ok(cond);
  else assert.ok(cond, message);
}
export { assert_ as assert };

/** Asserts that fn throws an instance of ErrorClass whose message includes `includes`. */
export function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => Error,
  includes?: string,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, "expected the function to throw");
  assert.ok(caught instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(caught)}`);
  if (includes !== undefined) {
    assert.ok(
      (caught as Error).message.includes(includes),
      `message "${(caught as Error).message}" lacks "${includes}"`,
    );
  }
  return caught as Error;
}

/** Async variant of {@link assertThrows}. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => Error,
  includes?: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, "expected the promise to reject");
  assert.ok(caught instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(caught)}`);
  if (includes !== undefined) {
    assert.ok(
      (caught as Error).message.includes(includes),
      `message "${(caught as Error).message}" lacks "${includes}"`,
    );
  }
  return caught as Error;
}

/** Asserts that a string contains a substring. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  assert.ok(
    actual.includes(expected),
    message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

/** Asserts a value matches a regular expression. */
export function assertMatch(actual: string, re: RegExp, message?: string): void {
  if (message === undefined) assert.match(actual, re);
  else assert.match(actual, re, message);
}
