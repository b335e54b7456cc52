// Private helper of condition_cache.ts: a Worker that reads the stamps of a list of paths, so
// that the lstat calls of a large workspace are spread over two cores.
//
// Request: string[] of paths. Reply: (string | null)[] of stamps (see stampOf), null for
// symbolic links and errors.

import { stampOf } from "./_stamp.ts";

/** The worker's side of messaging (the global scope of a Worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<string[]>) => void) | null;
  postMessage(data: (string | null)[]): void;
};

scope.onmessage = (e) => {
  scope.postMessage(e.data.map((p) => stampOf(p)?.[0] ?? null));
};
