// src/registry/_stamp.ts: stamps of job directories, and their scans packed in one string.
import { assert, assertEquals } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import { withTempDir } from "../_helpers.ts";
import { scanDir, stampFrom, stampOf, stampTimes, unpackScan } from "../../src/registry/_stamp.ts";

Deno.test("scanDir/unpackScan: the stamp, the links flag and the regular files, names looked up in place", async () => {
  await withTempDir((dir) => {
    const job = `${dir}/job`;
    Deno.mkdirSync(job);
    for (const name of ["a", "a.txt", "b b", "x\ny", "ü.json"]) {
      Deno.writeTextFileSync(`${job}/${name}`, "");
    }
    Deno.mkdirSync(`${job}/sub`);
    Deno.symlinkSync(`${job}/a`, `${job}/to-a`);
    Deno.symlinkSync(`${job}/nowhere`, `${job}/dangling`);
    const scan = unpackScan(scanDir(job)!);
    assertEquals(scan.stamp, stampOf(job));
    assert(scan.links);
    const cases: [string, boolean][] = [
      ["a", true],
      ["a.txt", true],
      ["b b", true],
      ["x\ny", true],
      ["ü.json", true],
      ["to-a", true], // a link to a regular file
      ["sub", false], // a folder
      ["dangling", false],
      ["a.tx", false], // a prefix of a name
      ["txt", false], // a suffix
      ["b", false],
      ["", false],
      ["job", false],
    ];
    for (const [name, has] of cases) assertEquals(scan.files.has(name), has, JSON.stringify(name));
    const bare = `${dir}/bare`;
    Deno.mkdirSync(bare);
    const empty = unpackScan(scanDir(bare)!);
    assertEquals([empty.links, empty.files.has(""), empty.files.has("a")], [false, false, false]);
  });
});

Deno.test("stampTimes: the times of stampOf, nothing written for a link or a missing path", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/job`);
    Deno.utimeSync(`${dir}/job`, 1000, 1_700_000_000.123);
    const times = new Float64Array([7, 7]);
    assert(stampTimes(`${dir}/job`, times));
    const info = Deno.lstatSync(`${dir}/job`);
    assertEquals([...times], [1_700_000_000_123, info.ctime!.getTime()]);
    assertEquals(stampFrom(times), stampOf(`${dir}/job`));
    assertEquals(stampFrom(times)[0], `1700000000123:${info.ctime!.getTime()}`);
    Deno.symlinkSync(`${dir}/job`, `${dir}/link`);
    const untouched = new Float64Array([7, 7]);
    assert(!stampTimes(`${dir}/link`, untouched), "a link has no stamp");
    assert(!stampTimes(`${dir}/missing`, untouched));
    assertEquals([...untouched], [7, 7]);
  });
});

Deno.test("unpackScan: any set of names is found exactly, as a Set would", () => {
  // Digits and ":" too: names like the stamp before the files are not among them.
  const name = fc.string({
    unit: fc.constantFrom("a", "b", ".", " ", "\n", "é", "0", "1", "3", ":"),
    minLength: 1,
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(name, { maxLength: 8 }),
      fc.array(name),
      fc.boolean(),
      (names, probes, links) => {
        const packed = `1:2/3/${links ? 1 : 0}${names.map((n) => `/${n}`).join("")}`;
        const scan = unpackScan(packed);
        assertEquals(scan.stamp, ["1:2", 3]);
        assertEquals(scan.links, links);
        const set = new Set(names);
        for (const p of [...names, ...probes]) {
          assertEquals(
            scan.files.has(p),
            set.has(p),
            JSON.stringify(p),
          );
        }
      },
    ),
    { seed: SEED, numRuns: 500 },
  );
});
