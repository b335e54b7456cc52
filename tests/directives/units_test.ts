import { assertEquals } from "../_assert.ts";
import { parseMemory, parseWalltime } from "../../src/directives/mod.ts";

Deno.test("parseMemory: GB numbers and K/M/G/T strings, binary (table)", () => {
  const cases: [number | string, number | undefined][] = [
    [4, 4],
    [0.5, 0.5],
    ["4G", 4],
    ["4g", 4],
    ["512M", 0.5],
    ["2048m", 2],
    ["1.5g", 1.5],
    ["1T", 1024],
    ["0.5t", 512],
    ["1048576K", 1],
    [".25G", 0.25],
    // refused
    [0, undefined],
    [-2, undefined],
    [NaN, undefined],
    [Infinity, undefined],
    ["0M", undefined],
    ["4", undefined],
    ["4GB", undefined],
    ["4 G", undefined],
    [" 4G", undefined],
    ["4.G", undefined],
    ["1e3M", undefined],
    ["-4G", undefined],
    ["4E", undefined],
    ["", undefined],
  ];
  for (const [given, expected] of cases) assertEquals(parseMemory(given), expected, `${given}`);
});

Deno.test("parseWalltime: hours or HH:MM:SS / D-HH:MM:SS, to whole seconds (table)", () => {
  const cases: [number | string, number | undefined][] = [
    [1, 3600],
    [1.5, 5400],
    [0.25, 900],
    [1.1, 3960], // 3960.0000000000005 before rounding
    [1 / 3600, 1],
    [1.5 / 3600, 2], // rounded up
    [1e-12, 1], // never 0
    [48, 172800],
    ["00:00:01", 1],
    ["01:30:00", 5400],
    ["1:30:00", 5400],
    ["26:03:04", 93784],
    ["100:00:00", 360000],
    ["1-02:03:04", 93784],
    ["2-00:00:00", 172800],
    ["0-23:59:59", 86399],
    ["1-2:03:04", 93784],
    // refused
    [0, undefined],
    [-1, undefined],
    [NaN, undefined],
    [Infinity, undefined],
    [1e20, undefined], // beyond exact integers
    ["00:00:00", undefined],
    ["90:00", undefined], // MM:SS or HH:MM? refused as ambiguous
    ["90", undefined],
    ["1.5", undefined],
    ["01:60:00", undefined],
    ["01:00:60", undefined],
    ["01:5:00", undefined],
    ["1-24:00:00", undefined],
    ["1-01:00", undefined],
    ["01:30:00.5", undefined],
    ["", undefined],
  ];
  for (const [given, expected] of cases) assertEquals(parseWalltime(given), expected, `${given}`);
});
