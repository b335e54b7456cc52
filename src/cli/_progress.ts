// Private helper: progress bars on stderr, shown only on a terminal and for long work.

import { type CliProgressOptions, loadCliProgress } from "./deps.ts";
import { nodeProcess } from "../_node.ts";

/** What callers need of a progress bar. */
export interface Progress {
  increment(): void;
  stop(): void;
}

/** Makes a progress bar for `total` steps, or a silent one when it would only be noise. */
export type ProgressBar = (total: number, label: string, minimum?: number) => Progress;

const NONE: Progress = { increment() {}, stop() {} };

/**
 * The maker of progress bars: bars are drawn only when stderr is a terminal
 * (the bar library is loaded only then, before the work starts, so that a
 * bar is drawn even while the work runs synchronously), and only for at
 * least `minimum` (500) steps.
 */
export async function progressBars(): Promise<ProgressBar> {
  if (!Deno.stderr.isTerminal()) return () => NONE;
  const cliProgress = await loadCliProgress();
  const stderr = barStream();
  return (total, label, minimum = 500) => {
    if (total < minimum) return NONE;
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
        stream: stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { increment: () => bar.increment(), stop: () => bar.stop() };
  };
}

/** Where bars are drawn: Node's `process.stderr` (cli-progress writes to a Node stream). */
export function barStream(): CliProgressOptions["stream"] {
  return (nodeProcess() as unknown as { stderr: CliProgressOptions["stream"] }).stderr;
}
