/**
 * How the local executor packs operations onto the cores and GPUs it has:
 * pure bookkeeping and policy, no processes (the runner asks, then launches).
 *
 * ## The pool ({@link ResourcePool})
 *
 * The machine is `cpus` cores and a list of GPU device ids, each device split
 * into `gpuShare` slots (default 1: a GPU belongs to one operation at a time).
 * A request is `{cores, gpus}` (`coresRequested` / `gpusRequested` of the
 * resolved directives). It fits when that many cores are free and `gpus`
 * DISTINCT devices each have a free slot: an operation never gets the same
 * device twice, since two slots of one GPU are not two GPUs.
 *
 * Which devices: those with the most free slots first, lower index on ties.
 * With `gpuShare = 1` that is simply the lowest free indices. With sharing it
 * spreads operations over devices, for two reasons: co-tenants of one GPU
 * compete for its memory and compute, and taking a slot from the emptiest
 * device keeps the number of devices with a free slot as high as it can be,
 * which is exactly what a later multi-GPU request needs (greedy is optimal
 * here: taking from a device with two or more free slots never lowers that
 * number). An allocation reports device *indices* into the pool's list and
 * the *ids* to put in the operation's visible set (`gpuIds[i]`), so with
 * `CUDA_VISIBLE_DEVICES=4,5` the operation on index 1 gets `"5"`.
 *
 * ## The order ({@link PackingQueue})
 *
 * Ready operations wait in priority order (the runner's `--order` key, then
 * arrival). Each decision is first-fit in that order with BOUNDED BYPASS:
 *
 * - the first waiting item that fits starts; scanning goes on, so when the
 *   head of the line does not fit, later items that fit start ahead of it
 *   (utilisation stays high: a 4-GPU job waiting for four free GPUs does not
 *   leave three of them idle);
 * - every start counts as one bypass of each item ahead of it that did not
 *   fit; an item bypassed `maxBypass` times takes the RESERVATION: nothing
 *   else starts, whatever its priority, until the holder fits and starts.
 *   So a large request waits for at most `maxBypass` smaller ones and then
 *   for the running work to drain: it cannot starve.
 *
 * The default `maxBypass` is two turnovers of the resource the item waits
 * for: 2 × the GPU slots when it is short of GPUs, else 2 × the cores (every
 * operation takes at least one core, so `cores` starts are as many as the
 * machine can hold at once). Without run times we cannot backfill exactly
 * (as EASY backfilling does with wall times): each bypass lets small work use
 * what the waiting item cannot, and may delay it by one small operation.
 * Measured on the randomized test scenario (200 operations of 1, 2 or 4 GPUs
 * on 8 GPUs, 8 seeds), the mean makespan over its lower bound is 1.146 with
 * strict order (0), 1.068 with 4, 1.042 with 8, 1.027 with 16 (the default
 * there), 1.013 unbounded: two turnovers keep most of the gain while a large
 * item still waits only about two small operations' length, plus the drain.
 *
 * ## Cost
 *
 * The queue keeps the first `window` items (default 256) in a sorted array
 * and the rest in a binary heap: `push` is O(log n + window), and a decision
 * looks at no more than `window` items and stops as soon as no core is free
 * (or a reservation holds), so it is O(window + s·G log G) for s starts on G
 * devices, independent of the queue's length (100,000 queued items cost the
 * same per decision as 300). The price is a bounded lookahead: an item more
 * than `window` places back cannot start ahead of the whole window.
 *
 * @example
 * ```ts
 * import { PackingQueue, ResourcePool } from "./packing.ts";
 * const pool = new ResourcePool(8, ["0", "1", "2", "3"]);
 * const queue = new PackingQueue<string>();
 * queue.push("train", { cores: 1, gpus: 4 });
 * queue.push("eval", { cores: 1, gpus: 1 });
 * for (const { item, allocation } of queue.schedule(pool)) console.log(item, allocation.deviceIds);
 * // train ["0", "1", "2", "3"]
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { Heap } from "./_heap.ts";

/**
 * What one operation (or one bundle) needs at once.
 *
 * @example
 * ```ts
 * import type { ResourceRequest } from "./packing.ts";
 * const req: ResourceRequest = { cores: 4, gpus: 1 };
 * ```
 */
export interface ResourceRequest {
  /** Cores, a whole number >= 1. */
  cores: number;
  /** GPUs (distinct devices), a whole number >= 0. */
  gpus: number;
}

/**
 * Resources held by one running operation; give it back with
 * {@link ResourcePool.release}.
 *
 * @example
 * ```ts
 * import type { Allocation } from "./packing.ts";
 * const env = (a: Allocation) => ({ CUDA_VISIBLE_DEVICES: a.deviceIds.join(",") });
 * ```
 */
export interface Allocation {
  /** Cores held. */
  readonly cores: number;
  /** Indices of the devices held, into the pool's device list, ascending. */
  readonly gpuIndices: readonly number[];
  /** Their ids, for the operation's visible set (`gpuIds[i]` for each index). */
  readonly deviceIds: readonly string[];
}

/**
 * A request is larger than the whole machine: it could never run.
 *
 * @example
 * ```ts
 * import { ResourceError } from "./packing.ts";
 * const e = new ResourceError("operation 'train' on 1a2b requests 4 GPUs, but only 2 are available");
 * console.log(e.exitCode); // 2
 * ```
 */
export class ResourceError extends UsageError {}

function checkRequest(req: ResourceRequest): void {
  if (!Number.isSafeInteger(req.cores) || req.cores < 1) {
    throw new RangeError(`a request needs a whole number of cores >= 1, got ${req.cores}`);
  }
  if (!Number.isSafeInteger(req.gpus) || req.gpus < 0) {
    throw new RangeError(`a request needs a whole number of GPUs >= 0, got ${req.gpus}`);
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Throws a {@link ResourceError} when `req` exceeds the whole machine.
 * `name` says what asks (e.g. `"operation 'train' on 1a2b3c4d"`); `sources`
 * say where the totals came from ({@link Resources.cpuSource} / `gpuSource`).
 *
 * @throws {ResourceError} naming the operation, the request and the total
 * @example
 * ```ts
 * import { checkFits } from "./packing.ts";
 * try {
 *   checkFits({ cores: 1, gpus: 4 }, 8, 2, 1, "operation 'train' on 1a2b3c4d", {
 *     gpus: "CUDA_VISIBLE_DEVICES",
 *   });
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // operation 'train' on 1a2b3c4d requests 4 GPUs, but only 2 are available (CUDA_VISIBLE_DEVICES)
 * }
 * ```
 */
export function checkFits(
  req: ResourceRequest,
  totalCpus: number,
  totalGpus: number,
  gpuShare: number,
  name: string,
  sources: { cpus?: string; gpus?: string } = {},
): void {
  checkRequest(req);
  const from = (s: string | undefined) => (s === undefined ? "" : ` (${s})`);
  if (req.gpus > totalGpus) {
    const avail = totalGpus === 0
      ? "none are available"
      : `only ${totalGpus} ${totalGpus === 1 ? "is" : "are"} available`;
    const share = gpuShare > 1 && totalGpus > 0
      ? `; sharing GPUs ${gpuShare} ways does not help: an operation never gets one GPU twice`
      : "";
    throw new ResourceError(
      `${name} requests ${plural(req.gpus, "GPU", "GPUs")}, but ${avail}${from(sources.gpus)}` +
        share,
    );
  }
  if (req.cores > totalCpus) {
    throw new ResourceError(
      `${name} requests ${plural(req.cores, "core", "cores")}, but only ${totalCpus} ` +
        `${totalCpus === 1 ? "is" : "are"} available${from(sources.cpus)}`,
    );
  }
}

/**
 * The free cores and GPU slots of the machine; see the module documentation
 * for which devices an allocation gets.
 *
 * @example
 * ```ts
 * import { ResourcePool } from "./packing.ts";
 * const pool = new ResourcePool(4, ["4", "5"], 2);
 * const a = pool.acquire({ cores: 1, gpus: 1 })!; // device "4"
 * const b = pool.acquire({ cores: 1, gpus: 1 })!; // device "5": spread
 * console.log(a.deviceIds, b.deviceIds, pool.freeGpuSlots, pool.inUse()); // ["4"] ["5"] 2 ["4", "5"]
 * pool.release(a);
 * pool.release(b);
 * ```
 */
export class ResourcePool {
  /** All cores. */
  readonly totalCores: number;
  /** The device ids, index i is device i. */
  readonly gpuIds: readonly string[];
  /** Operations one device may hold at once. */
  readonly gpuShare: number;
  #freeCores: number;
  readonly #free: number[];
  #freeSlots: number;
  #freeDevices: number;
  readonly #live = new Set<Allocation>();

  /** A pool of `cpus` cores and the devices `gpuIds`, each shared `gpuShare` ways. */
  constructor(cpus: number, gpuIds: readonly string[], gpuShare = 1) {
    if (!Number.isSafeInteger(cpus) || cpus < 1) {
      throw new RangeError(`a pool needs a whole number of cores >= 1, got ${cpus}`);
    }
    if (!Number.isSafeInteger(gpuShare) || gpuShare < 1) {
      throw new RangeError(`gpuShare must be a whole number >= 1, got ${gpuShare}`);
    }
    if (new Set(gpuIds).size !== gpuIds.length) {
      throw new RangeError(`device ids must be distinct: ${gpuIds.join(",")}`);
    }
    this.totalCores = cpus;
    this.gpuIds = [...gpuIds];
    this.gpuShare = gpuShare;
    this.#freeCores = cpus;
    this.#free = gpuIds.map(() => gpuShare);
    this.#freeSlots = gpuIds.length * gpuShare;
    this.#freeDevices = gpuIds.length;
  }

  /** All GPU slots: devices × share. */
  get totalGpuSlots(): number {
    return this.gpuIds.length * this.gpuShare;
  }

  /** Cores not held. */
  get freeCores(): number {
    return this.#freeCores;
  }

  /** GPU slots not held, over all devices. */
  get freeGpuSlots(): number {
    return this.#freeSlots;
  }

  /** Devices with at least one free slot: the most GPUs a request can get now. */
  get freeDevices(): number {
    return this.#freeDevices;
  }

  /** Allocations not yet released. */
  get live(): number {
    return this.#live.size;
  }

  /** True if `req` would fit the empty pool (else it can never run here). */
  canEverFit(req: ResourceRequest): boolean {
    checkRequest(req);
    return req.cores <= this.totalCores && req.gpus <= this.gpuIds.length;
  }

  /** True if `req` fits now. */
  fits(req: ResourceRequest): boolean {
    checkRequest(req);
    return req.cores <= this.#freeCores && req.gpus <= this.#freeDevices;
  }

  /** Takes `req` from the pool, or returns undefined if it does not fit now. */
  acquire(req: ResourceRequest): Allocation | undefined {
    if (!this.fits(req)) return undefined;
    const free = this.#free;
    const picked: number[] = [];
    if (req.gpus > 0) {
      const candidates: number[] = [];
      for (let i = 0; i < free.length; i++) if (free[i] > 0) candidates.push(i);
      if (this.gpuShare > 1) candidates.sort((a, b) => free[b] - free[a] || a - b);
      for (let k = 0; k < req.gpus; k++) picked.push(candidates[k]);
      picked.sort((a, b) => a - b);
      for (const i of picked) {
        free[i]--;
        if (free[i] === 0) this.#freeDevices--;
      }
      this.#freeSlots -= picked.length;
    }
    this.#freeCores -= req.cores;
    const alloc: Allocation = Object.freeze({
      cores: req.cores,
      gpuIndices: Object.freeze(picked),
      deviceIds: Object.freeze(picked.map((i) => this.gpuIds[i])),
    });
    this.#live.add(alloc);
    return alloc;
  }

  /** Gives an allocation back; releasing one twice (or another pool's) throws. */
  release(alloc: Allocation): void {
    if (!this.#live.delete(alloc)) {
      throw new Error("allocation released twice, or not acquired from this pool");
    }
    this.#freeCores += alloc.cores;
    for (const i of alloc.gpuIndices) {
      if (this.#free[i] === 0) this.#freeDevices++;
      this.#free[i]++;
    }
    this.#freeSlots += alloc.gpuIndices.length;
  }

  /** The ids of devices with at least one slot held, in device order (for a progress bar). */
  inUse(): string[] {
    return this.gpuIds.filter((_, i) => this.#free[i] < this.gpuShare);
  }
}

/**
 * Options of a {@link PackingQueue}.
 *
 * @example
 * ```ts
 * import type { PackingOptions } from "./packing.ts";
 * const strictFifo: PackingOptions = { maxBypass: 0 };
 * ```
 */
export interface PackingOptions {
  /**
   * Starts that may overtake a waiting item before it takes the reservation;
   * 0 is strict priority order. Default: two turnovers of what it waits for
   * (2 × the pool's GPU slots if it is short of GPUs, else 2 × its cores).
   */
  maxBypass?: number;
  /** How many items at the front a decision looks at (default 256). */
  window?: number;
}

/**
 * Options of one {@link PackingQueue.schedule} decision.
 *
 * @example
 * ```ts
 * import type { ScheduleOptions } from "./packing.ts";
 * const o: ScheduleOptions<string> = { limit: 2, canStart: (id) => id !== "busy" };
 * ```
 */
export interface ScheduleOptions<T> {
  /** Start at most this many (e.g. `--parallel` minus those running). */
  limit?: number;
  /**
   * Items this returns false for are passed over this time, as if absent:
   * they neither block nor are bypassed (e.g. a unit whose job is busy).
   */
  canStart?: (item: T) => boolean;
}

/**
 * An item to start now, with the resources it holds.
 *
 * @example
 * ```ts
 * import type { Started } from "./packing.ts";
 * const show = (s: Started<string>) => `${s.item} on GPUs ${s.allocation.deviceIds.join(",")}`;
 * ```
 */
export interface Started<T> {
  /** The item. */
  item: T;
  /** What it holds; release it when the item ends. */
  allocation: Allocation;
}

interface Entry<T> {
  item: T;
  req: ResourceRequest;
  key: number[];
  bypassed: number;
  budget: number;
  mark: number;
  gone: boolean;
}

function less(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return a[k] < b[k];
  return a.length < b.length;
}

/**
 * Ready items in priority order and the policy that picks which start now:
 * first-fit with bounded bypass (see the module documentation).
 *
 * @example
 * ```ts
 * import { PackingQueue, ResourcePool } from "./packing.ts";
 * const pool = new ResourcePool(4, ["0", "1"]);
 * const q = new PackingQueue<string>({ maxBypass: 1 });
 * q.push("a", { cores: 1, gpus: 1 });
 * q.push("big", { cores: 1, gpus: 2 });
 * q.push("b", { cores: 1, gpus: 1 });
 * q.push("c", { cores: 1, gpus: 1 });
 * const first = q.schedule(pool); // a, then b bypasses big (1 of 1): big holds the reservation
 * console.log(first.map((s) => s.item), q.reservation); // ["a", "b"] big
 * for (const s of first) pool.release(s.allocation);
 * console.log(q.schedule(pool).map((s) => s.item)); // ["big"]
 * ```
 */
export class PackingQueue<T> {
  readonly #maxBypass: number | undefined;
  readonly #window: number;
  readonly #front: Entry<T>[] = [];
  readonly #rest = new Heap<Entry<T>>();
  #holder: Entry<T> | undefined;
  #seq = 0;

  /** An empty queue. */
  constructor(options: PackingOptions = {}) {
    const { maxBypass, window = 256 } = options;
    if (maxBypass !== undefined && (!Number.isSafeInteger(maxBypass) || maxBypass < 0)) {
      throw new RangeError(`maxBypass must be a whole number >= 0, got ${maxBypass}`);
    }
    if (!Number.isSafeInteger(window) || window < 1) {
      throw new RangeError(`window must be a whole number >= 1, got ${window}`);
    }
    this.#maxBypass = maxBypass;
    this.#window = window;
  }

  /**
   * The default bypass budget of an item found waiting in `pool`: 2 × the GPU
   * slots when the item is short of GPUs, else 2 × the cores.
   *
   * @example
   * ```ts
   * import { PackingQueue, ResourcePool } from "./packing.ts";
   * const pool = new ResourcePool(16, ["0", "1", "2", "3"]);
   * console.log(PackingQueue.defaultMaxBypass(pool, { cores: 1, gpus: 8 })); // 8
   * ```
   */
  static defaultMaxBypass(pool: ResourcePool, req: ResourceRequest): number {
    return 2 * (req.gpus > pool.freeDevices ? pool.totalGpuSlots : pool.totalCores);
  }

  /** Items waiting (the reservation holder included). */
  get size(): number {
    return this.#front.length + this.#rest.size + (this.#holder ? 1 : 0);
  }

  /** The item holding the reservation, if one does. */
  get reservation(): T | undefined {
    return this.#holder?.item;
  }

  /**
   * Adds a ready item. `key` orders items (smaller first, compared element by
   * element; give every item a key of the same length); equal keys keep
   * arrival order. Check the request with {@link checkFits} first.
   */
  push(item: T, request: ResourceRequest, key: readonly number[] = []): void {
    checkRequest(request);
    const entry: Entry<T> = {
      item,
      req: { cores: request.cores, gpus: request.gpus },
      key: [...key, this.#seq++],
      bypassed: 0,
      budget: -1,
      mark: 0,
      gone: false,
    };
    const front = this.#front;
    if (front.length >= this.#window && !less(entry.key, front[front.length - 1].key)) {
      this.#rest.push(entry, entry.key);
      return;
    }
    let lo = 0;
    let hi = front.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (less(entry.key, front[mid].key)) hi = mid;
      else lo = mid + 1;
    }
    front.splice(lo, 0, entry);
    if (front.length > this.#window) {
      const last = front.pop()!;
      this.#rest.push(last, last.key);
    }
  }

  /**
   * Decides what starts now: acquires each started item's resources from
   * `pool` and removes it from the queue.
   *
   * @throws {RangeError} when an item could never fit the pool (check with
   * {@link checkFits} before pushing)
   */
  schedule(pool: ResourcePool, options: ScheduleOptions<T> = {}): Started<T>[] {
    const limit = options.limit ?? Infinity;
    const canStart = options.canStart;
    const started: Started<T>[] = [];
    const start = (e: Entry<T>): boolean => {
      const allocation = pool.acquire(e.req);
      if (!allocation) return false;
      e.gone = true;
      started.push({ item: e.item, allocation });
      return true;
    };
    let holder = this.#holder;
    if (holder && started.length < limit && (!canStart || canStart(holder.item))) {
      if (!start(holder)) return started; // the reservation holds: nothing else starts
      holder = this.#holder = undefined;
    }
    // An old holder passed over (canStart) does not block; an item that exhausts its
    // budget meanwhile stops the scan, and takes the reservation when none is held.
    const front = this.#front;
    const blocked: Entry<T>[] = [];
    let starts = 0; // starts during this scan = bypasses of the blocked items seen
    let deadline = Infinity; // the value of `starts` at which a blocked item's budget is spent
    let due: Entry<T> | undefined;
    let reserve: Entry<T> | undefined;
    for (const e of front) {
      if (started.length >= limit || pool.freeCores === 0) break;
      if (canStart && !canStart(e.item)) continue;
      if (!pool.canEverFit(e.req)) {
        throw new RangeError(
          `a request of ${e.req.cores} cores and ${e.req.gpus} GPUs can never fit a pool of ` +
            `${pool.totalCores} cores and ${pool.gpuIds.length} GPUs`,
        );
      }
      if (start(e)) {
        starts++;
        if (starts >= deadline) {
          reserve = due;
          break;
        }
        continue;
      }
      if (e.budget < 0) e.budget = this.#maxBypass ?? PackingQueue.defaultMaxBypass(pool, e.req);
      if (e.bypassed >= e.budget) {
        reserve = e;
        break;
      }
      e.mark = starts;
      blocked.push(e);
      const at = starts + e.budget - e.bypassed;
      if (at < deadline) {
        deadline = at;
        due = e;
      }
    }
    for (const b of blocked) b.bypassed += starts - b.mark;
    if (reserve && !holder) {
      reserve.gone = true;
      this.#holder = reserve;
    }
    this.#compact();
    return started;
  }

  /** Drops started (and reserved) entries from the front and refills it from the heap. */
  #compact(): void {
    const front = this.#front;
    let w = 0;
    for (let r = 0; r < front.length; r++) if (!front[r].gone) front[w++] = front[r];
    front.length = w;
    while (front.length < this.#window && this.#rest.size > 0) front.push(this.#rest.pop()!);
  }
}
