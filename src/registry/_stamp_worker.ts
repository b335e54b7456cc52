// Private helper of condition_cache.ts: a Worker that reads the file system for the cache, so that
// the calls of a large workspace are spread over two cores.
//
// Either { scan }: scans job folders (stamp, then listing) in chunks shared with the creating
// thread and replies what it scanned (see scanJobs in _check_lines.ts). Or { check }: reads the
// cache file again and, if it is the very file the creating thread read (the same identity),
// checks its lines (found where the creating thread found them: the file is not parsed again) in
// chunks shared with that thread, writing the results to the shared memory sent (see
// checkLines); replies "done" when no line is left to take, or at once for another file. Or
// { early } (see early_check.ts): reads and parses the cache file first, replies which version it
// read, how many lines, where they start and the shared memory of the check (undefined if it could
// not read it), then checks as for { check } and replies "done".

import { checkLines, scanJobs, sharedChecks } from "./_check_lines.ts";
import { readCacheFile, readCacheText } from "./_cache_file.ts";
import { CacheRows } from "./_cache_rows.ts";

/** What the creating thread asks for. */
type Request =
  | {
    scan: { ids: string; workspace: string; counter: Int32Array };
    early?: undefined;
    check?: undefined;
  }
  | {
    early: { path: string; workspace: string; docFile: string };
    scan?: undefined;
    check?: undefined;
  }
  | {
    scan?: undefined;
    early?: undefined;
    check: {
      path: string;
      identity: string;
      starts: Int32Array;
      workspace: string;
      docFile: string;
      shared: SharedArrayBuffer;
    };
  };

/** The worker's side of messaging (the global scope of a Worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(data: unknown): void;
};

scope.onmessage = (e) => {
  const request = e.data;
  if (request.early !== undefined) {
    const { path, workspace, docFile } = request.early;
    const { rows, identity } = readCacheFile(path);
    if (!rows || !identity) return scope.postMessage(undefined);
    const shared = sharedChecks(rows.size);
    scope.postMessage({ identity, lines: rows.size, shared, starts: rows.lineStarts() });
    checkLines(rows, workspace, docFile, shared);
    return scope.postMessage("done");
  }
  if (request.scan !== undefined) {
    const { ids, workspace, counter } = request.scan;
    return scope.postMessage(scanJobs(ids, workspace, counter));
  }
  const { path, identity, starts, workspace, docFile, shared } = request.check;
  const file = readCacheText(path);
  if (file !== undefined && file.identity === identity) {
    checkLines(CacheRows.of(file.text, starts), workspace, docFile, shared);
  }
  scope.postMessage("done");
};
