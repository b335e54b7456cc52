// src/workspace/early_listing.ts: the workspace folder listed by `ls` from the first moment of a
// command, taken over by Project.list.
import { assert, assertEquals } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  earlyListingPending,
  startEarlyListing,
  takeEarlyListing,
} from "../../src/workspace/early_listing.ts";
import { INDEX_FILE, SETTLE_MS } from "../../src/workspace/index.ts";
import { Project } from "../../src/workspace/project.ts";

/** Any folder is large enough. */
const ANY = { fromBytes: 0 };

/** Files `ls` may have left in `.flow` (temporary names). */
function strays(root: string): string[] {
  try {
    return [...Deno.readDirSync(`${root}/.flow`)].map((e) => e.name).filter((n) =>
      n.endsWith(".tmp")
    );
  } catch {
    return [];
  }
}

Deno.test("early listing: started for a large folder without an index, taken by the project's listing", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    const ids = [1, 2, 3].map((i) => project.openJob({ i }).initSync().id).sort();
    assertEquals(earlyListingPending(`${dir}/workspace`), false);
    assertEquals(startEarlyListing(dir, ANY), true);
    assertEquals(startEarlyListing(dir, ANY), false, "one at a time");
    assertEquals(earlyListingPending(`${dir}/workspace`), true, "to be taken");
    assertEquals(earlyListingPending(`${dir}/elsewhere`), false);
    // A job made after `ls` ran is not in this command's listing: the listing it took is.
    await new Promise((r) => setTimeout(r, 200));
    const late = project.openJob({ i: 4 }).initSync().id;
    const seen: string[][] = [];
    const listed = await project.list({ lazy: true, onFolders: (f) => seen.push([...f]) });
    assertEquals(listed.jobs.map((j) => j.id), ids);
    assertEquals(seen, [ids], "the folders reported as listed");
    assertEquals(earlyListingPending(`${dir}/workspace`), false, "taken");
    assertEquals(strays(dir), [], "the file ls wrote is gone");
    // The folder changed after the time taken before `ls`: no index records that listing.
    const again = await project.list({ lazy: true });
    assertEquals(again.jobs.map((j) => j.id), [...ids, late].sort());
  });
});

Deno.test("early listing: not started for a small folder, a trusted index or no workspace", async () => {
  await withTempDir(async (dir) => {
    assertEquals(startEarlyListing(dir, ANY), false, "no workspace folder");
    const project = await Project.init(dir);
    project.openJob({ i: 1 }).initSync();
    assertEquals(startEarlyListing(dir), false, "small: listed by Deno, no `ls`");
    await project.list({ lazy: true });
    // The folder last changed well before the index was written: the index will serve.
    const old = new Date(Date.now() - 2 * SETTLE_MS - 1000);
    Deno.utimeSync(`${dir}/workspace`, old, old);
    assertEquals(startEarlyListing(dir, ANY), false, "a trusted index");
    Deno.removeSync(`${dir}/${INDEX_FILE}`);
    assertEquals(startEarlyListing(dir, ANY), true, "no index");
    assert((await takeEarlyListing(`${dir}/workspace`)) !== undefined);
  });
});

Deno.test("early listing: another folder takes nothing; a failed `ls` leaves the listing to the caller", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    project.openJob({ i: 1 }).initSync();
    assertEquals(startEarlyListing(dir, ANY), true);
    assertEquals(await takeEarlyListing(`${dir}/elsewhere`), undefined);
    const taken = await takeEarlyListing(`${dir}/workspace`);
    assertEquals(taken?.names.ids.length, 1, "still pending for its own folder");
    // `ls` fails (the folder is gone by the time it runs): nothing to take, no file left.
    Deno.renameSync(`${dir}/workspace`, `${dir}/moved`);
    Deno.mkdirSync(`${dir}/workspace`);
    assertEquals(startEarlyListing(dir, ANY), true);
    Deno.removeSync(`${dir}/workspace`);
    assertEquals(await takeEarlyListing(`${dir}/workspace`), undefined);
    assertEquals(strays(dir), []);
  });
});

Deno.test("early listing: one never taken leaves no file when the process ends", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    project.openJob({ i: 1 }).initSync();
    const module = new URL("../../src/workspace/early_listing.ts", import.meta.url).href;
    const script = `import { startEarlyListing } from "${module}";
      if (!startEarlyListing(${JSON.stringify(dir)}, { fromBytes: 0 })) Deno.exit(3);
      await new Promise((r) => setTimeout(r, 300)); // ls has written its file
      Deno.exit(0);`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "-q", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertEquals(strays(dir), []);
  });
});
