// Private helper of condition_cache.ts: a Worker that reads the file system for the cache, so that
// the calls of a large workspace are spread over two cores.
//
// Either { stream }: scans job folders (stamp, then listing) in chunks not taken by the creating
// thread, publishing each in shared memory, replies how many it scanned and closes itself (see
// _scan_stream.ts). Or { check }: reads the cache file again and, if it is the very file the
// creating thread read (the same identity), checks its lines (found where the creating thread
// found them: the file is not parsed again) in chunks shared with that thread, writing the results
// to the shared memory sent (see checkLines); replies "done" when no line is left to take, or at
// once for another file. Or
// { early } (see early_check.ts): reads and parses the cache file first, replies which version it
// read, how many lines, where they start and the shared memory of the check (undefined if it could
// not read it), then checks as for { check } and replies "done".

import { checkLines, sharedChecks } from "./_check_lines.ts";
import { scanChunks, type SharedScans } from "./_scan_stream.ts";
import { readCacheFile, readCacheText } from "./_cache_file.ts";
import { CacheRows } from "./_cache_rows.ts";

/** What the creating thread asks for. */
type Request =
  | {
    stream: { ids: string; workspace: string; shared: SharedScans };
    early?: undefined;
    check?: undefined;
  }
  | {
    early: { path: string; workspace: string; docFile: string };
    stream?: undefined;
    check?: undefined;
  }
  | {
    stream?: undefined;
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
  close(): void;
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
  if (request.stream !== undefined) {
    const { ids, workspace, shared } = request.stream;
    scope.postMessage(scanChunks(ids, workspace, shared));
    // Its results are in the shared memory: the Worker and its heap can go now (the creating
    // thread, busy evaluating, would end it only when it next waits).
    return scope.close();
  }
  const { path, identity, starts, workspace, docFile, shared } = request.check;
  const file = readCacheText(path);
  if (file !== undefined && file.identity === identity) {
    checkLines(CacheRows.of(file.text, starts), workspace, docFile, shared);
  }
  scope.postMessage("done");
};
