// The packing policy: pool allocations, sharing, request checks, first-fit with bounded bypass,
// starvation, utilisation, a randomized simulation and a 100,000-item queue.
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { UsageError } from "../../src/errors.ts";
import {
  type Allocation,
  checkFits,
  type PackingOptions,
  PackingQueue,
  ResourceError,
  ResourcePool,
  type ResourceRequest,
} from "../../src/executor/packing.ts";

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));

// ---------------------------------------------------------------------------------------------
// The pool

type Step =
  | { acquire: ResourceRequest; as?: string; expect: string[] | undefined }
  | { release: string };

interface PoolCase {
  name: string;
  cpus: number;
  gpus: string[];
  share?: number;
  steps: Step[];
  inUse?: string[];
  free?: { cores: number; slots: number; devices: number };
}

const POOL_CASES: PoolCase[] = [
  {
    name: "lowest free indices, renumbered through the id list",
    cpus: 8,
    gpus: ["4", "5", "6", "7"],
    steps: [
      { acquire: { cores: 1, gpus: 1 }, as: "a", expect: ["4"] },
      { acquire: { cores: 1, gpus: 2 }, as: "b", expect: ["5", "6"] },
      { acquire: { cores: 1, gpus: 2 }, expect: undefined },
      { acquire: { cores: 1, gpus: 1 }, as: "c", expect: ["7"] },
      { release: "a" },
      { acquire: { cores: 1, gpus: 1 }, expect: ["4"] },
      { release: "b" },
      { acquire: { cores: 2, gpus: 2 }, expect: ["5", "6"] },
    ],
    inUse: ["4", "5", "6", "7"],
    free: { cores: 4, slots: 0, devices: 0 },
  },
  {
    name: "a hole is filled: released middle devices are reused",
    cpus: 8,
    gpus: ids(4),
    steps: [
      { acquire: { cores: 1, gpus: 1 }, as: "a", expect: ["0"] },
      { acquire: { cores: 1, gpus: 2 }, as: "b", expect: ["1", "2"] },
      { acquire: { cores: 1, gpus: 1 }, as: "c", expect: ["3"] },
      { release: "b" },
      { acquire: { cores: 1, gpus: 1 }, expect: ["1"] },
    ],
    inUse: ["0", "1", "3"],
    free: { cores: 5, slots: 1, devices: 1 },
  },
  {
    name: "UUIDs",
    cpus: 2,
    gpus: ["GPU-a", "GPU-b"],
    steps: [{ acquire: { cores: 1, gpus: 2 }, expect: ["GPU-a", "GPU-b"] }],
    inUse: ["GPU-a", "GPU-b"],
  },
  {
    name: "cores bind: no GPU request, cores run out",
    cpus: 2,
    gpus: [],
    steps: [
      { acquire: { cores: 2, gpus: 0 }, as: "a", expect: [] },
      { acquire: { cores: 1, gpus: 0 }, expect: undefined },
      { release: "a" },
      { acquire: { cores: 1, gpus: 0 }, expect: [] },
    ],
    inUse: [],
    free: { cores: 1, slots: 0, devices: 0 },
  },
  {
    name: "cores bind even with free GPUs",
    cpus: 2,
    gpus: ids(4),
    steps: [
      { acquire: { cores: 2, gpus: 1 }, expect: ["0"] },
      { acquire: { cores: 1, gpus: 1 }, expect: undefined },
    ],
    free: { cores: 0, slots: 3, devices: 3 },
  },
  {
    name: "share 2: spread over devices first",
    cpus: 8,
    gpus: ids(2),
    share: 2,
    steps: [
      { acquire: { cores: 1, gpus: 1 }, as: "a", expect: ["0"] },
      { acquire: { cores: 1, gpus: 1 }, as: "b", expect: ["1"] },
      { acquire: { cores: 1, gpus: 2 }, as: "c", expect: ["0", "1"] },
      { acquire: { cores: 1, gpus: 1 }, expect: undefined },
      { release: "a" },
      { acquire: { cores: 1, gpus: 2 }, expect: undefined },
      { acquire: { cores: 1, gpus: 1 }, expect: ["0"] },
    ],
    free: { cores: 5, slots: 0, devices: 0 },
  },
  {
    name: "share 2: never the same device twice",
    cpus: 8,
    gpus: ids(2),
    share: 2,
    steps: [
      { acquire: { cores: 1, gpus: 2 }, expect: ["0", "1"] },
      { acquire: { cores: 1, gpus: 2 }, expect: ["0", "1"] },
      { acquire: { cores: 1, gpus: 1 }, expect: undefined },
    ],
  },
  {
    name: "share 3: the most free slots first, lower index on ties",
    cpus: 16,
    gpus: ids(3),
    share: 3,
    steps: [
      { acquire: { cores: 1, gpus: 1 }, expect: ["0"] }, // free 2,3,3
      { acquire: { cores: 1, gpus: 1 }, expect: ["1"] }, // free 2,2,3
      { acquire: { cores: 1, gpus: 2 }, expect: ["0", "2"] }, // 2 has 3; 0 and 1 tie: 0
      { acquire: { cores: 1, gpus: 3 }, expect: ["0", "1", "2"] }, // free 1,2,2 → 0,1,1
      { acquire: { cores: 1, gpus: 2 }, expect: ["1", "2"] }, // free 0,0,0
      { acquire: { cores: 1, gpus: 1 }, expect: undefined },
    ],
    inUse: ["0", "1", "2"],
    free: { cores: 11, slots: 0, devices: 0 },
  },
  {
    name: "share 2: a 4-GPU request still fits after two 1-GPU ones (spread keeps devices open)",
    cpus: 8,
    gpus: ids(4),
    share: 2,
    steps: [
      { acquire: { cores: 1, gpus: 1 }, expect: ["0"] },
      { acquire: { cores: 1, gpus: 1 }, expect: ["1"] },
      { acquire: { cores: 1, gpus: 4 }, expect: ["0", "1", "2", "3"] },
    ],
    free: { cores: 5, slots: 2, devices: 2 },
  },
];

for (const c of POOL_CASES) {
  Deno.test(`ResourcePool: ${c.name}`, () => {
    const pool = new ResourcePool(c.cpus, c.gpus, c.share);
    const held = new Map<string, Allocation>();
    c.steps.forEach((step, i) => {
      if ("release" in step) {
        pool.release(held.get(step.release)!);
        return;
      }
      const fits = pool.fits(step.acquire);
      const a = pool.acquire(step.acquire);
      assertEquals(a?.deviceIds, step.expect, `step ${i}`);
      assertEquals(fits, step.expect !== undefined, `fits() agrees with acquire() at step ${i}`);
      if (a) {
        assertEquals(a.deviceIds, a.gpuIndices.map((g) => c.gpus[g]));
        assertEquals(a.cores, step.acquire.cores);
        if (step.as) held.set(step.as, a);
      }
    });
    if (c.inUse) assertEquals(pool.inUse(), c.inUse);
    if (c.free) {
      assertEquals(
        { cores: pool.freeCores, slots: pool.freeGpuSlots, devices: pool.freeDevices },
        c.free,
      );
    }
  });
}

Deno.test("ResourcePool: releasing everything restores the pool; double release throws", () => {
  const pool = new ResourcePool(4, ids(2), 2);
  const a = pool.acquire({ cores: 2, gpus: 2 })!;
  const b = pool.acquire({ cores: 1, gpus: 1 })!;
  assertEquals([pool.live, pool.freeCores, pool.freeGpuSlots], [2, 1, 1]);
  pool.release(a);
  pool.release(b);
  assertEquals([pool.live, pool.freeCores, pool.freeGpuSlots, pool.freeDevices], [0, 4, 4, 2]);
  assertEquals(pool.inUse(), []);
  assertThrows(() => pool.release(a), Error, "released twice");
  const other = new ResourcePool(4, ids(2)).acquire({ cores: 1, gpus: 0 })!;
  assertThrows(() => pool.release(other), Error, "not acquired from this pool");
});

Deno.test("ResourcePool: malformed pools and requests are RangeErrors", () => {
  assertThrows(() => new ResourcePool(0, []), RangeError, "cores >= 1");
  assertThrows(() => new ResourcePool(2, ["0", "0"]), RangeError, "distinct");
  assertThrows(() => new ResourcePool(2, ["0"], 0), RangeError, "gpuShare");
  const pool = new ResourcePool(2, ["0"]);
  assertThrows(() => pool.fits({ cores: 0, gpus: 0 }), RangeError, "cores >= 1");
  assertThrows(() => pool.acquire({ cores: 1, gpus: -1 }), RangeError, "GPUs >= 0");
  assertThrows(() => pool.fits({ cores: 1.5, gpus: 0 }), RangeError);
  assertEquals(pool.canEverFit({ cores: 2, gpus: 1 }), true);
  assertEquals(pool.canEverFit({ cores: 1, gpus: 2 }), false);
});

// ---------------------------------------------------------------------------------------------
// Requests larger than the machine

Deno.test("checkFits: messages name the operation, the numbers and the source", () => {
  const op = "operation 'train' on 1a2b3c4d";
  const cases: [ResourceRequest, number, number, number, Record<string, string>, string][] = [
    [
      { cores: 1, gpus: 4 },
      8,
      2,
      1,
      { gpus: "CUDA_VISIBLE_DEVICES" },
      "operation 'train' on 1a2b3c4d requests 4 GPUs, but only 2 are available (CUDA_VISIBLE_DEVICES)",
    ],
    [
      { cores: 1, gpus: 2 },
      8,
      1,
      1,
      { gpus: "nvidia-smi -L" },
      "operation 'train' on 1a2b3c4d requests 2 GPUs, but only 1 is available (nvidia-smi -L)",
    ],
    [
      { cores: 1, gpus: 1 },
      8,
      0,
      1,
      {},
      "operation 'train' on 1a2b3c4d requests 1 GPU, but none are available",
    ],
    [
      { cores: 1, gpus: 3 },
      8,
      2,
      4,
      { gpus: "FLOW_GPUS" },
      "operation 'train' on 1a2b3c4d requests 3 GPUs, but only 2 are available (FLOW_GPUS); " +
      "sharing GPUs 4 ways does not help: an operation never gets one GPU twice",
    ],
    [
      { cores: 16, gpus: 0 },
      4,
      0,
      1,
      { cpus: "SLURM_CPUS_ON_NODE" },
      "operation 'train' on 1a2b3c4d requests 16 cores, but only 4 are available (SLURM_CPUS_ON_NODE)",
    ],
    [
      { cores: 2, gpus: 0 },
      1,
      0,
      1,
      { cpus: "--cpus" },
      "operation 'train' on 1a2b3c4d requests 2 cores, but only 1 is available (--cpus)",
    ],
  ];
  for (const [req, cpus, gpus, share, sources, message] of cases) {
    const e = assertThrows(() => checkFits(req, cpus, gpus, share, op, sources), ResourceError);
    assertEquals(e.message, message);
    assert(e instanceof UsageError && (e as UsageError).exitCode === 2);
  }
  checkFits({ cores: 4, gpus: 2 }, 4, 2, 1, op); // exactly the machine: fine
  checkFits({ cores: 1, gpus: 2 }, 4, 2, 8, op);
});

// ---------------------------------------------------------------------------------------------
// The queue: single decisions

interface QueueCase {
  name: string;
  cpus: number;
  gpus: number;
  share?: number;
  busy?: ResourceRequest[]; // held before the decision
  items: [string, number, number, number[]?][]; // name, cores, gpus, key
  options?: PackingOptions;
  limit?: number;
  skip?: string[];
  starts: string[];
  reservation?: string;
}

const QUEUE_CASES: QueueCase[] = [
  {
    name: "everything fits: priority order",
    cpus: 8,
    gpus: 4,
    items: [["a", 1, 1], ["b", 1, 2], ["c", 1, 1]],
    starts: ["a", "b", "c"],
  },
  {
    name: "keys order the queue; equal keys keep arrival order",
    cpus: 8,
    gpus: 0,
    items: [["a", 1, 0, [2]], ["b", 1, 0, [1]], ["c", 1, 0, [2]], ["d", 1, 0, [0]]],
    limit: 3,
    starts: ["d", "b", "a"],
  },
  {
    name: "first fit: a later item that fits starts ahead of the head",
    cpus: 8,
    gpus: 4,
    busy: [{ cores: 1, gpus: 2 }],
    items: [["big", 1, 4], ["small", 1, 1], ["mid", 1, 2], ["small2", 1, 1]],
    starts: ["small", "small2"],
  },
  {
    name: "maxBypass 0 is strict order: the head reserves at once",
    cpus: 8,
    gpus: 4,
    busy: [{ cores: 1, gpus: 2 }],
    items: [["big", 1, 4], ["small", 1, 1]],
    options: { maxBypass: 0 },
    starts: [],
    reservation: "big",
  },
  {
    name: "maxBypass 1: one start overtakes, then the head reserves",
    cpus: 8,
    gpus: 4,
    busy: [{ cores: 1, gpus: 2 }],
    items: [["big", 1, 4], ["s1", 1, 1], ["s2", 1, 1]],
    options: { maxBypass: 1 },
    starts: ["s1"],
    reservation: "big",
  },
  {
    name: "cores bind the scan: it stops when no core is free",
    cpus: 2,
    gpus: 0,
    items: [["a", 1, 0], ["b", 1, 0], ["c", 1, 0]],
    starts: ["a", "b"],
  },
  {
    name: "limit caps the starts",
    cpus: 8,
    gpus: 8,
    items: [["a", 1, 1], ["b", 1, 1], ["c", 1, 1]],
    limit: 2,
    starts: ["a", "b"],
  },
  {
    name: "canStart passes items over without blocking",
    cpus: 8,
    gpus: 2,
    items: [["a", 1, 2], ["b", 1, 1], ["c", 1, 1]],
    skip: ["a"],
    starts: ["b", "c"],
  },
  {
    name: "sharing: two 2-GPU jobs share two devices",
    cpus: 8,
    gpus: 2,
    share: 2,
    items: [["a", 1, 2], ["b", 1, 2], ["c", 1, 1]],
    starts: ["a", "b"],
  },
  {
    name: "window 2: only the first two are looked at",
    cpus: 8,
    gpus: 2,
    busy: [{ cores: 1, gpus: 1 }],
    items: [["a", 1, 2], ["b", 1, 2], ["c", 1, 1]],
    options: { window: 2 },
    starts: [],
  },
];

for (const c of QUEUE_CASES) {
  Deno.test(`PackingQueue: ${c.name}`, () => {
    const pool = new ResourcePool(c.cpus, ids(c.gpus), c.share);
    for (const b of c.busy ?? []) pool.acquire(b);
    const q = new PackingQueue<string>(c.options);
    for (const [name, cores, gpus, key] of c.items) q.push(name, { cores, gpus }, key);
    const skip = new Set(c.skip ?? []);
    const started = q.schedule(pool, { limit: c.limit, canStart: (s) => !skip.has(s) });
    assertEquals(started.map((s) => s.item), c.starts);
    assertEquals(q.reservation, c.reservation);
    assertEquals(q.size, c.items.length - c.starts.length);
  });
}

Deno.test("PackingQueue: the holder starts first once it fits; nothing starts before", () => {
  const pool = new ResourcePool(8, ids(2));
  const busy = pool.acquire({ cores: 1, gpus: 1 })!;
  const q = new PackingQueue<string>({ maxBypass: 1 });
  q.push("big", { cores: 1, gpus: 2 }, [1]);
  q.push("s1", { cores: 1, gpus: 1 }, [1]);
  q.push("s2", { cores: 1, gpus: 0 }, [1]);
  const first = q.schedule(pool);
  assertEquals(first.map((s) => s.item), ["s1"]); // s2 would be a second bypass
  assertEquals(q.reservation, "big");
  // A higher-priority arrival does not get ahead of the holder either.
  q.push("urgent", { cores: 1, gpus: 0 }, [0]);
  assertEquals(q.schedule(pool).map((s) => s.item), []);
  pool.release(busy);
  assertEquals(q.schedule(pool).map((s) => s.item), []); // s1 still holds device 1
  pool.release(first[0].allocation);
  const rest = q.schedule(pool);
  assertEquals(rest.map((s) => s.item), ["big", "urgent", "s2"]);
  assertEquals(rest[0].allocation.deviceIds, ["0", "1"]);
  assertEquals([q.reservation, q.size], [undefined, 0]);
});

Deno.test("PackingQueue: a holder passed over by canStart does not block the others", () => {
  const pool = new ResourcePool(8, ids(2));
  pool.acquire({ cores: 1, gpus: 1 });
  const q = new PackingQueue<string>({ maxBypass: 0 });
  q.push("big", { cores: 1, gpus: 2 });
  q.push("cpu", { cores: 1, gpus: 0 });
  assertEquals(q.schedule(pool).map((s) => s.item), []);
  assertEquals(q.reservation, "big");
  const started = q.schedule(pool, { canStart: (s) => s !== "big" });
  assertEquals(started.map((s) => s.item), ["cpu"]);
  assertEquals(q.reservation, "big");
});

Deno.test("PackingQueue: a request that can never fit is a RangeError", () => {
  const q = new PackingQueue<string>();
  q.push("huge", { cores: 1, gpus: 3 });
  assertThrows(() => q.schedule(new ResourcePool(4, ids(2))), RangeError, "can never fit");
  assertThrows(() => new PackingQueue({ maxBypass: -1 }), RangeError, "maxBypass");
  assertThrows(() => new PackingQueue({ window: 0 }), RangeError, "window");
});

Deno.test("PackingQueue.defaultMaxBypass: two turnovers of what the item waits for", () => {
  const pool = new ResourcePool(16, ids(4), 2);
  assertEquals(PackingQueue.defaultMaxBypass(pool, { cores: 1, gpus: 8 }), 16);
  assertEquals(PackingQueue.defaultMaxBypass(pool, { cores: 32, gpus: 0 }), 32);
});

// ---------------------------------------------------------------------------------------------
// Discrete-event simulation

/** mulberry32: a small seeded PRNG, so the simulations are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimOp {
  name: string;
  cores: number;
  gpus: number;
  duration: number;
  key?: number[];
}

interface SimResult {
  makespan: number;
  start: Map<string, number>;
  order: string[];
  busyGpuTime: number;
  decisions: number;
}

/**
 * Runs `ops` (all ready at time 0, in this order) through the policy, checking on every start
 * that no core, GPU or slot is oversubscribed and no allocation names a device twice.
 */
export function simulate(
  ops: SimOp[],
  cpus: number,
  gpus: number,
  share: number,
  options: PackingOptions = {},
  atTime?: (t: number, q: PackingQueue<SimOp>) => void,
): SimResult {
  const pool = new ResourcePool(cpus, ids(gpus), share);
  const q = new PackingQueue<SimOp>(options);
  for (const op of ops) q.push(op, { cores: op.cores, gpus: op.gpus }, op.key);
  const running: { op: SimOp; end: number; alloc: Allocation }[] = [];
  const start = new Map<string, number>();
  const order: string[] = [];
  const slots = new Array(gpus).fill(0);
  let cores = 0;
  let t = 0;
  let busyGpuTime = 0;
  let decisions = 0;
  while (q.size > 0 || running.length > 0) {
    atTime?.(t, q);
    decisions++;
    for (const { item, allocation } of q.schedule(pool)) {
      assert(!start.has(item.name), `${item.name} started twice`);
      start.set(item.name, t);
      order.push(item.name);
      assertEquals(allocation.gpuIndices.length, item.gpus);
      assertEquals(new Set(allocation.gpuIndices).size, item.gpus, "a device twice");
      cores += item.cores;
      for (const g of allocation.gpuIndices) slots[g]++;
      assert(cores <= cpus, "cores oversubscribed");
      assert(slots.every((s) => s <= share), "a GPU oversubscribed");
      running.push({ op: item, end: t + item.duration, alloc: allocation });
      busyGpuTime += item.gpus * item.duration;
    }
    if (running.length === 0) throw new Error(`deadlock at t=${t} with ${q.size} waiting`);
    t = Math.min(...running.map((r) => r.end));
    for (let i = running.length - 1; i >= 0; i--) {
      const r = running[i];
      if (r.end > t) continue;
      running.splice(i, 1);
      pool.release(r.alloc);
      cores -= r.op.cores;
      for (const g of r.alloc.gpuIndices) slots[g]--;
    }
  }
  assertEquals(start.size, ops.length, "every operation ran");
  return { makespan: t, start, order, busyGpuTime, decisions };
}

Deno.test("starvation: a 4-GPU job behind a stream of 1-GPU jobs waits for at most maxBypass", () => {
  for (const maxBypass of [undefined, 0, 1, 3, 8, 20]) {
    const ops: SimOp[] = [];
    // Four 1-GPU jobs already at the front, then the big one, then a long stream.
    for (let i = 0; i < 4; i++) ops.push({ name: `pre${i}`, cores: 1, gpus: 1, duration: 3 + i });
    ops.push({ name: "big", cores: 1, gpus: 4, duration: 5 });
    for (let i = 0; i < 200; i++) {
      ops.push({ name: `s${i}`, cores: 1, gpus: 1, duration: 1 + (i * 7) % 5 });
    }
    const r = simulate(ops, 64, 4, 1, { maxBypass });
    const overtook = r.order.indexOf("big") - 4;
    const budget = maxBypass ?? 8; // default: 2 × the pool's GPU slots
    assertEquals(overtook, budget, `maxBypass ${maxBypass}: overtaken ${overtook} times`);
    assert(r.start.get("big")! <= 3 + 6 * Math.ceil(budget / 4) + 5, `big waited too long`);
  }
});

Deno.test("utilisation: small jobs use the GPU the head cannot, strict order leaves it idle", () => {
  // A long 3-GPU job runs; a 4-GPU job waits for it; 1-GPU jobs could use the fourth GPU.
  const ops: SimOp[] = [
    { name: "long", cores: 1, gpus: 3, duration: 10 },
    { name: "big", cores: 1, gpus: 4, duration: 4 },
    ...Array.from({ length: 6 }, (_, i) => ({ name: `s${i}`, cores: 1, gpus: 1, duration: 2 })),
  ];
  const bypass = simulate(ops, 8, 4, 1, { maxBypass: 5 });
  const strict = simulate(ops, 8, 4, 1, { maxBypass: 0 });
  // Bounded bypass: s0..s4 run next to `long` (t=0..10), big at 10, s5 after: makespan 16.
  assertEquals(bypass.order, ["long", "s0", "s1", "s2", "s3", "s4", "big", "s5"]);
  assertEquals(bypass.start.get("big"), 10);
  assertEquals(bypass.makespan, 16);
  // Strict order: the fourth GPU idles for 10, then big, then the six small ones.
  assertEquals(strict.start.get("big"), 10);
  assertEquals(strict.makespan, 18);
  const util = (r: SimResult) => r.busyGpuTime / (4 * r.makespan);
  assert(util(bypass) > util(strict), `${util(bypass)} > ${util(strict)}`);
});

Deno.test("sharing: 1-GPU jobs at share 2 run two to a device and never oversubscribe", () => {
  const ops = Array.from({ length: 40 }, (_, i) => ({
    name: `o${i}`,
    cores: 1,
    gpus: 1 + (i % 2),
    duration: 1 + (i % 3),
  }));
  const r = simulate(ops, 32, 4, 2);
  assert(r.makespan >= r.busyGpuTime / 8);
});

/** The randomized scenario: 200 operations, 1/2/4 GPUs each, on 8 GPUs. */
export function randomScenario(seed: number, n = 200): SimOp[] {
  const rand = prng(seed);
  const sizes = [1, 2, 4];
  return Array.from({ length: n }, (_, i) => ({
    name: `op${i}`,
    cores: 1,
    gpus: sizes[Math.floor(rand() * 3)],
    duration: 1 + Math.floor(rand() * 20),
  }));
}

Deno.test("simulation: 200 random operations on 8 GPUs finish within 25% of the lower bound", () => {
  const report: string[] = [];
  for (const seed of [1, 2, 3, 42]) {
    const ops = randomScenario(seed);
    const bound = Math.max(
      ops.reduce((s, o) => s + o.gpus * o.duration, 0) / 8,
      Math.max(...ops.map((o) => o.duration)),
    );
    const r = simulate(ops, 64, 8, 1);
    const ratio = r.makespan / bound;
    report.push(
      `seed ${seed}: makespan ${r.makespan} / bound ${bound.toFixed(1)} = ${ratio.toFixed(3)}`,
    );
    assert(ratio <= 1.25, `seed ${seed}: makespan ${r.makespan} vs bound ${bound}`);
  }
  console.log(report.join("\n"));
});

Deno.test("100,000 queued items: every one runs, decisions stay cheap", () => {
  const rand = prng(7);
  const ops: SimOp[] = Array.from({ length: 100_000 }, (_, i) => ({
    name: `op${i}`,
    cores: 1 + Math.floor(rand() * 2),
    gpus: [0, 1, 1, 2, 4][Math.floor(rand() * 5)],
    duration: 1 + Math.floor(rand() * 10),
    key: [Math.floor(rand() * 1000)],
  }));
  const t0 = performance.now();
  const r = simulate(ops, 16, 8, 1);
  const ms = performance.now() - t0;
  console.log(
    `100,000 items: ${r.decisions} decisions in ${ms.toFixed(0)} ms ` +
      `(${((ms * 1000) / r.decisions).toFixed(1)} µs each, simulation included)`,
  );
  assert(ms < 20_000, `took ${ms} ms`);
});
