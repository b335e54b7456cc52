// src/registry/_scan_stream.ts: a first run's job folders scanned by a Worker, chunk by chunk, while
// the creating thread takes each job's scan (scanning itself the chunks nobody has taken).
import { assert, assertEquals } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  SCAN_CHUNK,
  scanChunks,
  ScanReader,
  type SharedScans,
  sharedScans,
} from "../../src/registry/_scan_stream.ts";
import { scanDir, unpackScan } from "../../src/registry/_stamp.ts";

/** `n` job folders `j0000`... in `dir`, with a few files; ids in order. */
function folders(dir: string, n: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => `j${String(i).padStart(5, "0")}`);
  for (const id of ids) Deno.mkdirSync(`${dir}/${id}`);
  Deno.writeTextFileSync(`${dir}/${ids[1]}/a b.txt`, "");
  Deno.writeTextFileSync(`${dir}/${ids[n - 1]}/é.txt`, "");
  return ids;
}

/** The state of each chunk (0 free, 1 Worker, 2 published, 3 taken here, 4 lost). */
function states(shared: SharedScans): number[] {
  const meta = new Int32Array(shared.meta);
  return Array.from({ length: meta.length / 3 }, (_, c) => Atomics.load(meta, c * 3));
}

Deno.test("scan stream: what the Worker published is taken as it scanned it, nothing scanned again", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 600); // three chunks
    Deno.removeSync(`${dir}/${ids[300]}`); // cannot be scanned
    const want = ids.map((id) => scanDir(`${dir}/${id}`));
    const shared = sharedScans(ids.length);
    assertEquals(scanChunks(ids.join("\0"), dir, shared), 3);
    assertEquals(states(shared), [2, 2, 2]);
    // Changed after the Worker scanned: a scan made here would show it.
    Deno.writeTextFileSync(`${dir}/${ids[0]}/late.txt`, "");
    const reader = new ScanReader(dir, ids, shared);
    assertEquals(ids.map((id) => reader.take(id)), want.map((w) => w ?? undefined));
    assert(unpackScan(reader.take(ids[1]) ?? want[1]!).files.has("a b.txt"));
    assert(unpackScan(want[599]!).files.has("é.txt"));
  });
});

Deno.test("scan stream: without a Worker every chunk is scanned here, when first needed", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 300);
    const shared = sharedScans(ids.length);
    const reader = new ScanReader(dir, ids, shared);
    assertEquals(reader.take(ids[0]), scanDir(`${dir}/${ids[0]}`));
    assertEquals(states(shared), [3, 0], "only the chunk needed");
    // A change in the second chunk before it is needed is seen (it is scanned when needed).
    Deno.writeTextFileSync(`${dir}/${ids[299]}/new.txt`, "");
    assert(unpackScan(reader.take(ids[299])!).files.has("new.txt"));
    assertEquals(states(shared), [3, 3]);
    // A Worker starting now finds nothing left to scan.
    assertEquals(scanChunks(ids.join("\0"), dir, shared), 0);
  });
});

Deno.test("scan stream: each scan is given once, in any order; dropped ones are not given", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 2 * SCAN_CHUNK + 5);
    const shared = sharedScans(ids.length);
    scanChunks(ids.join("\0"), dir, shared);
    const reader = new ScanReader(dir, ids, shared);
    reader.drop(ids[3]);
    reader.drop("not-a-job");
    const backwards = [...ids].reverse().map((id) => reader.take(id));
    assertEquals(
      backwards.reverse(),
      ids.map((id, i) => i === 3 ? undefined : scanDir(`${dir}/${id}`)),
    );
    assertEquals(reader.take(ids[0]), undefined, "given once");
    assertEquals(reader.take("not-a-job"), undefined);
  });
});

Deno.test("scan stream: jobs asked for in order with folders that are no jobs in between", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 40);
    const reader = new ScanReader(dir, ids, sharedScans(ids.length));
    // Every third folder is a link or broken (no job): the others are still found.
    const jobs = ids.filter((_, i) => i % 3 !== 1);
    assertEquals(jobs.map((id) => reader.take(id)), jobs.map((id) => scanDir(`${dir}/${id}`)));
  });
});

Deno.test("scan stream: a chunk that does not fit in the shared memory is scanned here", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 300);
    const shared = { meta: sharedScans(ids.length).meta, arena: new SharedArrayBuffer(64) };
    assertEquals(scanChunks(ids.join("\0"), dir, shared), 2);
    assertEquals(states(shared), [4, 4], "lost: the text did not fit");
    Deno.writeTextFileSync(`${dir}/${ids[5]}/late.txt`, "");
    const reader = new ScanReader(dir, ids, shared);
    assert(unpackScan(reader.take(ids[5])!).files.has("late.txt"), "scanned here, now");
    assertEquals(reader.take(ids[6]), scanDir(`${dir}/${ids[6]}`));
  });
});

Deno.test("scan stream: while the Worker holds a chunk, the next free one is scanned here; a chunk held too long is taken over", async () => {
  await withTempDir((dir) => {
    const ids = folders(dir, 3 * SCAN_CHUNK);
    const shared = sharedScans(ids.length);
    const meta = new Int32Array(shared.meta);
    Atomics.store(meta, 0, 1); // a Worker took the first chunk and died
    const reader = new ScanReader(dir, ids, shared, { stealMs: 50 });
    const started = performance.now();
    assertEquals(reader.take(ids[0]), scanDir(`${dir}/${ids[0]}`));
    assert(performance.now() - started >= 50, "waited for the Worker first");
    assertEquals(
      states(shared),
      [3, 3, 3],
      "the free chunks were scanned meanwhile, then the held one",
    );
    // The Worker, were it alive, would publish nothing over what was taken here.
    assertEquals(scanChunks(ids.join("\0"), dir, shared), 0);
  });
});

Deno.test("scan stream: the Worker and this thread at once: every folder scanned exactly as scanDir does", async () => {
  await withTempDir(async (dir) => {
    const ids = folders(dir, 5_000);
    const want = ids.map((id) => scanDir(`${dir}/${id}`));
    const shared = sharedScans(ids.length);
    const worker = new Worker(new URL("../../src/registry/_stamp_worker.ts", import.meta.url), {
      type: "module",
    });
    try {
      const done = new Promise<number>((resolve) => worker.onmessage = (e) => resolve(e.data));
      worker.postMessage({ stream: { ids: ids.join("\0"), workspace: dir, shared } });
      const reader = new ScanReader(dir, ids, shared);
      assertEquals(ids.map((id) => reader.take(id)), want);
      const theirs = await done;
      const s = states(shared);
      assertEquals(
        s.filter((x) => x === 2).length,
        theirs,
        "published: the chunks the Worker scanned",
      );
      assertEquals(s.filter((x) => x === 3).length + theirs, s.length, "the rest: scanned here");
    } finally {
      worker.terminate();
    }
  });
});
