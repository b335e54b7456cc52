import { assertEquals } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { listJobNames, LS_FROM_BYTES, parseLs } from "../../src/workspace/_listdir.ts";
import { fc, SEED } from "../_fast_check.ts";

const ID = (c: string) => c.repeat(32);

/** A workspace folder with every kind of entry a listing must tell apart. */
function fill(ws: string, outside: string): void {
  Deno.mkdirSync(ws);
  for (const c of ["b", "a", "0", "f"]) Deno.mkdirSync(`${ws}/${ID(c)}`);
  Deno.symlinkSync(outside, `${ws}/${ID("c")}`); // a linked job: listed, marked as a link
  Deno.writeTextFileSync(`${ws}/${ID("d")}`, ""); // a file named like a job: not a job
  Deno.mkdirSync(`${ws}/${ID("e")}x`); // too long
  Deno.mkdirSync(`${ws}/${ID("A")}`); // upper case: not an id
  Deno.mkdirSync(`${ws}/.hidden`);
  Deno.mkdirSync(`${ws}/x\n${ID("9")}`); // a line of its own only if ls did not escape it
  Deno.symlinkSync(`${ws}/nowhere`, `${ws}/dangling`);
}

/** Runs `fn` with PATH starting at a folder holding a fake `ls` with this body. */
async function withFakeLs<T>(dir: string, body: string, fn: () => T): Promise<T> {
  const bin = `${dir}/bin`;
  Deno.mkdirSync(bin, { recursive: true });
  Deno.writeTextFileSync(`${bin}/ls`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${bin}:${path}`);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", path);
  }
}

Deno.test("listJobNames: through ls (a large folder) and through Deno (a small one) alike", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/outside`);
    const ws = `${dir}/workspace`;
    fill(ws, `${dir}/outside`);
    const expected = {
      ids: [ID("0"), ID("a"), ID("b"), ID("c"), ID("f")],
      links: [ID("c")],
    };
    for (const size of [0, LS_FROM_BYTES]) {
      const { ids, links } = listJobNames(ws, size);
      assertEquals(
        { ids, links: [...links].filter((l) => ids.includes(l)) },
        expected,
        `size ${size}`,
      );
    }
    // The workspace itself may be a link to the folder.
    Deno.symlinkSync(ws, `${dir}/linked`);
    assertEquals(listJobNames(`${dir}/linked`, LS_FROM_BYTES).ids, expected.ids);
  });
});

Deno.test("listJobNames: a large folder is listed by ls; when ls fails, by Deno", async () => {
  await withTempDir(async (dir) => {
    const ws = `${dir}/workspace`;
    Deno.mkdirSync(ws);
    Deno.mkdirSync(`${ws}/${ID("a")}`);
    // A fake ls proves which method listed: it names a job that is not there.
    await withFakeLs(dir, `printf '%s/\\n' ${ID("7")}`, () => {
      assertEquals(listJobNames(ws, LS_FROM_BYTES).ids, [ID("7")]);
      assertEquals(listJobNames(ws, LS_FROM_BYTES - 1).ids, [ID("a")], "small: Deno lists");
    });
    await withFakeLs(dir, `printf '%s/\\n' ${ID("7")}; exit 2`, () => {
      assertEquals(listJobNames(ws, LS_FROM_BYTES).ids, [ID("a")], "ls failed: Deno lists");
    });
    await withFakeLs(dir, "exec /nonexistent", () => {
      assertEquals(listJobNames(ws, LS_FROM_BYTES).ids, [ID("a")]);
    });
  });
});

Deno.test("listJobNames: a missing folder throws NotFound either way", async () => {
  await withTempDir((dir) => {
    for (const size of [0, LS_FROM_BYTES]) {
      let name = "";
      try {
        listJobNames(`${dir}/missing`, size);
      } catch (e) {
        name = (e as Error).constructor.name;
      }
      assertEquals(name, "NotFound", `size ${size}`);
    }
  });
});

Deno.test("parseLs: the job folders among any lines ls may print, sorted, links marked", () => {
  const hex = fc.string({
    unit: fc.constantFrom(..."0123456789abcdef"),
    minLength: 32,
    maxLength: 32,
  });
  const line = fc.oneof(
    hex.map((id) => `${id}/`), // a job folder
    hex.map((id) => `${id}@`), // a job folder through a link
    hex.map((id) => id), // a file named like a job
    hex.map((id) => `${id.toUpperCase()}/`), // upper case: no id (unless all digits)
    hex.map((id) => `${id}x/`), // too long
    hex.map((id) => `${id.slice(1)}/`), // too short
    hex.map((id) => `${id.slice(0, 20)}g${id.slice(21)}/`), // not hexadecimal
    fc.constantFrom("./", "../", ".hidden/", "", "x\\n/", "ü/"),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40 }), fc.boolean(), (lines, lastNewline) => {
      const text = lines.join("\n") + (lastNewline ? "\n" : "");
      const { ids, links } = parseLs(new TextEncoder().encode(text));
      const jobs = lines.filter((l) => /^[0-9a-f]{32}[/@]$/.test(l));
      assertEquals(ids, jobs.map((l) => l.slice(0, 32)).sort());
      assertEquals(
        [...links].sort(),
        [...new Set(jobs.filter((l) => l.endsWith("@")).map((l) => l.slice(0, 32)))].sort(),
      );
    }),
    { seed: SEED },
  );
});
