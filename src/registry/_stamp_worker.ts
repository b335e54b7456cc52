// Private helper of condition_cache.ts: a Worker that reads the stamps (and, when scanning, the
// listings) of a list of job directories, so that the file system calls of a large workspace are
// spread over two cores.
//
// Request: { paths, scan }. Reply: per path, the stamp (or the packed scan when scanning), null
// for symbolic links and errors.

import { scanDir, stampOf } from "./_stamp.ts";

/** The worker's side of messaging (the global scope of a Worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ paths: string[]; scan: boolean }>) => void) | null;
  postMessage(data: unknown): void;
};

scope.onmessage = (e) => {
  const { paths, scan } = e.data;
  scope.postMessage(
    scan ? paths.map((p) => scanDir(p) ?? null) : paths.map((p) => stampOf(p)?.[0] ?? null),
  );
};
