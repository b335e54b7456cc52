/**
 * Drives the sandbox API in a `deno run` process, as the flow command line
 * does, and prints what happened as JSON: `sandbox_test.ts` runs it in a
 * subprocess. (In-process, `deno test` type-checks what a Worker imports
 * against the worker globals, and the command line's use of `prompt` fails
 * that check; a plain `deno run` does not type-check.)
 *
 * Usage: `deno run -A --unstable-worker-options _sandbox_driver.ts '<Scenario JSON>'`.
 *
 * @module
 */

import {
  openSandbox,
  SandboxError,
  type SandboxMechanism,
  SandboxOperationError,
} from "../../src/executor/sandbox.ts";

/** One call of `sandbox.run`; `killAfterMs` kills the sandbox that long after it starts. */
export interface Call {
  op: string;
  jobs: string[];
  env?: Record<string, string>;
  killAfterMs?: number;
}

/** A sandbox and the calls made on it: each step is one call or calls made at once. */
export interface Scenario {
  mainModule: string;
  projectRoot: string;
  writable: string[];
  env?: Record<string, string>;
  mechanism: SandboxMechanism;
  steps: (Call | Call[])[];
}

/** What one call did. */
export interface Outcome {
  op: string;
  ok: boolean;
  /** `SandboxOperationError`, `SandboxError`, or another class name. */
  kind?: string;
  errorName?: string;
  message?: string;
  ms: number;
}

/** What the driver prints. */
export interface Report {
  mechanism: SandboxMechanism;
  outcomes: Outcome[];
  /** From `openSandbox` to the end of `close()`. */
  totalMs: number;
}

async function call(
  sandbox: Awaited<ReturnType<typeof openSandbox>>,
  c: Call,
): Promise<Outcome> {
  const t0 = performance.now();
  const timer = c.killAfterMs === undefined
    ? undefined
    : setTimeout(() => sandbox.kill(`killed after ${c.killAfterMs} ms`), c.killAfterMs);
  try {
    await sandbox.run(c.op, c.jobs, { env: c.env });
    return { op: c.op, ok: true, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as Error;
    return {
      op: c.op,
      ok: false,
      kind: e instanceof SandboxOperationError
        ? "SandboxOperationError"
        : e instanceof SandboxError
        ? "SandboxError"
        : err.name,
      errorName: e instanceof SandboxOperationError ? e.errorName : undefined,
      message: err.message,
      ms: performance.now() - t0,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a scenario. */
export async function drive(s: Scenario): Promise<Report> {
  const t0 = performance.now();
  const sandbox = await openSandbox({
    mainModule: s.mainModule,
    projectRoot: s.projectRoot,
    writable: s.writable,
    env: s.env,
    mechanism: s.mechanism,
  });
  const outcomes: Outcome[] = [];
  try {
    for (const step of s.steps) {
      if (Array.isArray(step)) {
        outcomes.push(...await Promise.all(step.map((c) => call(sandbox, c))));
      } else outcomes.push(await call(sandbox, step));
    }
  } finally {
    await sandbox.close();
  }
  return { mechanism: sandbox.mechanism, outcomes, totalMs: performance.now() - t0 };
}

if (import.meta.main) {
  const report = await drive(JSON.parse(Deno.args[0]) as Scenario);
  console.log(`\n@@report ${JSON.stringify(report)}`);
}
