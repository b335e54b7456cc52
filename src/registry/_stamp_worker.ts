// Private helper of condition_cache.ts: a Worker that reads the file system for the cache, so that
// the calls of a large workspace are spread over two cores.
//
// Either { scan }: scans job folders (stamp, then listing) in chunks shared with the creating
// thread and replies what it scanned (see scanJobs in _check_lines.ts). Or { check }: reads the
// cache file again; if it is the very file the creating thread read (the same identity), replies
// with the shared memory the results go to, checks its lines with the creating thread (see
// checkLines) and replies "done" when no line is left to take; otherwise replies null.

import { checkLines, scanJobs, sharedChecks } from "./_check_lines.ts";
import { readCacheFile } from "./_cache_file.ts";

/** What the creating thread asks for. */
type Request =
  | {
    scan: { ids: string; workspace: string; counter: Int32Array };
    check?: undefined;
  }
  | {
    check: { path: string; identity: string; workspace: string; docFile: string };
  };

/** The worker's side of messaging (the global scope of a Worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(data: unknown): void;
};

scope.onmessage = (e) => {
  const request = e.data;
  if (request.check === undefined) {
    const { ids, workspace, counter } = request.scan;
    return scope.postMessage(scanJobs(ids, workspace, counter));
  }
  const { path, identity, workspace, docFile } = request.check;
  const file = readCacheFile(path);
  if (!file.rows || file.identity !== identity) return scope.postMessage(null);
  const shared = sharedChecks(file.rows.size);
  scope.postMessage(shared);
  checkLines(file.rows, workspace, docFile, shared);
  scope.postMessage("done");
};
