// src/_md5.ts: the pure-JS MD5 behind job ids agrees with RFC 1321 and with node:crypto.
import { createHash } from "node:crypto";
import { md5Hex } from "../src/_md5.ts";
import { calcId } from "../src/workspace/statepoint.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("md5Hex: the test suite of RFC 1321", () => {
  const cases: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f",
    ],
    ["1234567890".repeat(8), "57edf4a22be3c955ac49da2e2107b67a"],
  ];
  for (const [text, digest] of cases) assertEquals(md5Hex(text), digest, JSON.stringify(text));
});

Deno.test("md5Hex: UTF-8 and block boundaries agree with node:crypto", () => {
  const node = (t: string) => createHash("md5").update(t, "utf8").digest("hex");
  const texts = ["é", "日本語", "🧪 state", "\u0000", "a\nb"];
  // 55, 56, 63, 64 and 65 bytes straddle the padding and block edges of MD5.
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) texts.push("x".repeat(n));
  for (const n of [27, 28, 31, 32]) texts.push("é".repeat(n)); // 2 bytes each
  for (const t of texts) assertEquals(md5Hex(t), node(t), `${JSON.stringify(t)} (${t.length})`);
});

Deno.test("job ids: signac's ids of known state points", () => {
  // Computed by signac 2.x (`signac.Project().open_job(sp).id`).
  assertEquals(calcId({ a: 1 }), "42b7b4f2921788ea14dac5566e6f06d0");
  assertEquals(calcId({}), "99914b932bd37a50b983c5e7c90ae93b");
});
