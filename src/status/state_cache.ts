/**
 * The state cache `.flow/status.cache`: the states of the operations that
 * take jobs one at a time, and the labels, as the last `flow status` found
 * them for every job, kept for as long as nothing they were computed from
 * can have changed.
 *
 * What they are computed from: the workflow's conditions (recorded as a
 * {@link stateFingerprint}: each operation's and label's condition keys,
 * which name what a condition reads) and their results for each job, which
 * come from the condition cache (`src/registry/condition_cache.ts`). A state
 * cache is written only by a command in which every job's results came from
 * the condition cache file unchanged, and it records which version of that
 * file (inode, size, modification time) it was computed from; it is used
 * only while the condition cache is that same version, holds a line for
 * each job and no other, and every line still holds (each job folder's and
 * document's stamps are those recorded: see
 * `ConditionCache.unchanged`). Any change to a job, to the set of jobs or to
 * the workflow's conditions therefore makes it unused, and the next status
 * evaluates as before. Workflows with conditions the condition cache does
 * not keep (shell and TypeScript conditions) have no fingerprint, and no
 * state cache. Like the condition cache it is only an optimisation: a
 * missing, unreadable or garbled file is ignored.
 *
 * Why: at 10,000 jobs, evaluating every operation of every job from cached
 * condition results took ~40 ms of a 0.27 s warm `status`; reading the
 * states back takes ~1 ms.
 *
 * @module
 */

import { readBytesSync } from "../_read_bytes.ts";
import { writeFileAtomicSync } from "../workspace/_atomic.ts";
import type { Registry } from "../registry/registry.ts";

/** Path of the state cache, relative to the project root. */
export const STATE_CACHE_FILE = ".flow/status.cache";

const MAGIC = "flow-status-cache 1";

/**
 * What the operations and labels of `registry` compute their states from,
 * as one string: for each operation, its name, how it aggregates and the
 * keys of its pre- and postconditions; for each label, its name and its
 * condition's key. Undefined if some condition is neither kept by the
 * condition cache (`cacheable`) nor a combination of other operations'
 * postconditions (`derived`, as `after`): its value may change without any
 * file changing.
 *
 * @example
 * ```ts
 * import { stateFingerprint } from "./state_cache.ts";
 * import { Registry } from "../registry/registry.ts";
 * console.log(stateFingerprint(new Registry())); // {"operations":[],"labels":[]}
 * ```
 */
export function stateFingerprint(registry: Registry): string | undefined {
  const kept = (c: { cacheable?: boolean; derived?: boolean }) =>
    c.cacheable === true || c.derived === true;
  const operations: unknown[] = [];
  for (const op of registry.operations) {
    if (!op.pre.every(kept) || !op.post.every(kept)) return undefined;
    operations.push([
      op.name,
      op.aggregator.isSingle ? "" : op.aggregator.description,
      op.pre.map((c) => c.key),
      op.post.map((c) => c.key),
    ]);
  }
  const labels: unknown[] = [];
  for (const [name, c] of registry.labels) {
    if (!kept(c)) return undefined;
    labels.push([name, c.key]);
  }
  return JSON.stringify({ operations, labels });
}

/** The states a state cache holds for one version of the condition cache. */
export interface CachedStates {
  /** Per operation (that takes jobs one at a time): its state code per job, in job order. */
  readonly operations: ReadonlyMap<string, Uint8Array>;
  /** The labels' names, in the order of the bits. */
  readonly labels: readonly string[];
  /** Per job, in job order, one byte per label: 1 if it holds. */
  readonly labelBits: Uint8Array;
}

interface Header {
  identity: string;
  fingerprint: string;
  jobs: number;
  operations: string[];
  labels: string[];
}

/**
 * The state cache of the project at `root` (see the module documentation).
 *
 * @example
 * ```ts
 * import { StateCache } from "./state_cache.ts";
 * const cache = new StateCache(Deno.makeTempDirSync());
 * console.log(cache.lookup("{}", "1:2:3", 0)); // undefined (no file yet)
 * ```
 */
export class StateCache {
  readonly #path: string;

  /** The state cache of the project at `root`; nothing is read until {@link lookup}. */
  constructor(root: string) {
    this.#path = `${root}/${STATE_CACHE_FILE}`;
  }

  /**
   * The states recorded for `jobs` jobs by a command that computed them
   * from version `identity` of the condition cache, for a workflow whose
   * {@link stateFingerprint} is `fingerprint`; undefined when there are
   * none (no file, another version, another workflow, a garbled file).
   */
  lookup(fingerprint: string, identity: string, jobs: number): CachedStates | undefined {
    let bytes: Uint8Array;
    try {
      bytes = readBytesSync(this.#path);
    } catch {
      return undefined;
    }
    const first = bytes.indexOf(10);
    const second = first < 0 ? -1 : bytes.indexOf(10, first + 1);
    if (second < 0) return undefined;
    const decoder = new TextDecoder();
    if (decoder.decode(bytes.subarray(0, first)) !== MAGIC) return undefined;
    let header: Header;
    try {
      header = JSON.parse(decoder.decode(bytes.subarray(first + 1, second))) as Header;
    } catch {
      return undefined;
    }
    if (
      header.identity !== identity || header.fingerprint !== fingerprint || header.jobs !== jobs ||
      !Array.isArray(header.operations) || !Array.isArray(header.labels)
    ) return undefined;
    const body = bytes.subarray(second + 1);
    const size = jobs * (header.operations.length + header.labels.length);
    if (body.length !== size) return undefined;
    const operations = new Map<string, Uint8Array>();
    header.operations.forEach((name, i) => {
      operations.set(name, body.subarray(i * jobs, (i + 1) * jobs));
    });
    return {
      operations,
      labels: header.labels,
      labelBits: body.subarray(header.operations.length * jobs),
    };
  }

  /**
   * Records `states` for `jobs` jobs, computed from version `identity` of
   * the condition cache for a workflow whose fingerprint is `fingerprint`
   * (atomically; errors are ignored: the cache is only an optimisation).
   */
  save(fingerprint: string, identity: string, jobs: number, states: CachedStates): void {
    const names = [...states.operations.keys()];
    const header: Header = {
      identity,
      fingerprint,
      jobs,
      operations: names,
      labels: [...states.labels],
    };
    const head = new TextEncoder().encode(`${MAGIC}\n${JSON.stringify(header)}\n`);
    const out = new Uint8Array(head.length + jobs * (names.length + states.labels.length));
    out.set(head);
    let at = head.length;
    for (const name of names) {
      out.set(states.operations.get(name)!.subarray(0, jobs), at);
      at += jobs;
    }
    out.set(states.labelBits.subarray(0, jobs * states.labels.length), at);
    try {
      writeFileAtomicSync(this.#path, out);
    } catch {
      // best effort: the next status evaluates as before
    }
  }
}
