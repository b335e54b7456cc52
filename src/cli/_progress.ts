// Private helper: a progress bar on stderr, shown only on a terminal and for long work.

import { cliProgress } from "./deps.ts";
import process from "node:process";

/** What callers need of a progress bar. */
export interface Progress {
  increment(): void;
  stop(): void;
}

const NONE: Progress = { increment() {}, stop() {} };

/** A progress bar for `total` steps, or a silent one when it would only be noise. */
export function progressBar(total: number, label: string, minimum = 500): Progress {
  if (total < minimum || !Deno.stderr.isTerminal()) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: () => bar.increment(), stop: () => bar.stop() };
}
