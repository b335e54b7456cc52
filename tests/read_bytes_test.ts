import { assertEquals, assertThrows } from "./_assert.ts";
import { readBytesSync } from "../src/_read_bytes.ts";

Deno.test("readBytesSync: the whole file, as Deno.readFileSync reads it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const size of [0, 1, 4095, 65536, 300_001]) {
      const data = new Uint8Array(size).map((_, i) => (i * 7 + size) % 251);
      Deno.writeFileSync(`${dir}/f`, data);
      assertEquals(readBytesSync(`${dir}/f`), Deno.readFileSync(`${dir}/f`), `${size} bytes`);
    }
    assertThrows(() => readBytesSync(`${dir}/missing`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readBytesSync: a file that is longer than its size says (as /proc files are) is read to its end", () => {
  // /proc files report size 0 and hold text: read to the end, not to the size.
  const text = readBytesSync("/proc/self/status");
  assertEquals(new TextDecoder().decode(text).startsWith("Name:"), true);
  assertEquals(Deno.statSync("/proc/self/status").size, 0);
});
