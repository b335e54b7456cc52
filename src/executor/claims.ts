/**
 * Claims: which process runs an operation on a job (or aggregate) right now,
 * across processes and across the nodes of a shared file system, so that two
 * `flow run` processes whose selections overlap never run the same
 * (operation, job) at the same time.
 *
 * A claim is `.flow/claims/<aggregate id>.<operation>`: a symbolic link whose
 * target is the owner's host, pid, start time and a random token (as JSON),
 * made by one `symlink` call, which fails when the name exists, atomically on
 * local file systems and over NFS (the lock of Mercurial and Emacs): one
 * system call where a file takes three (exclusive create, write, close),
 * ~6 µs against 13-35 µs here. Where links cannot be made (permissions that
 * do not allow them, a file system without links) the claim is a regular
 * file made by an exclusive create (`O_CREAT | O_EXCL`, atomic on local file
 * systems and on NFSv3 and later) with the same content; both kinds are read
 * everywhere. While the owner runs the operation it renews the claim every
 * {@link ClaimOptions.heartbeatMs} (a file is touched, a link replaced by an
 * equal one, since a link's own times cannot be set); it removes the claim
 * when the operation ends.
 *
 * A claim left behind is taken over, with a message:
 * - on the same host, when its process no longer exists (nor the command it
 *   started, which outlives a flow process killed with SIGKILL), or when the
 *   process exists but the heartbeat stopped (the pid was reused);
 * - from another host (a crashed node), when the heartbeat is older than
 *   {@link ClaimOptions.staleAfterMs} (default 10 minutes; `FLOW_CLAIM_STALE`
 *   in seconds).
 *
 * Takeover happens under a short-lived lock (`<claim>.takeover`, exclusive
 * create): of several processes that find the same stale claim, one takes
 * the lock, checks that the claim is still the one it judged stale (same
 * token), removes it and then competes for the claim by exclusive create
 * like everyone else; the others find the lock and back off.
 *
 * Claiming is only half of it: after taking a claim the runner evaluates the
 * operation's conditions again, so that an operation another process has
 * just completed (and released) is not run a second time.
 *
 * @module
 */

import { processExists } from "../process.ts";

/** Folder of the claims, relative to the project root. */
export const CLAIMS_DIR = ".flow/claims";

/** Options of a {@link ClaimStore}. */
export interface ClaimOptions {
  /** A claim whose heartbeat is older than this is stale (default 600 s, or FLOW_CLAIM_STALE s). */
  staleAfterMs?: number;
  /** How often held claims are touched (default: a tenth of staleAfterMs, at most 60 s). */
  heartbeatMs?: number;
  /** Told when a stale claim is taken over. */
  onTakeover?: (message: string) => void;
  /**
   * False: claims are files (default: symbolic links, and files from the
   * first link the file system or the permissions refuse).
   */
  links?: boolean;
}

/** Who holds a claim. */
export interface ClaimOwner {
  /** Host name of the owner. */
  host: string;
  /** Process id on that host. */
  pid: number;
  /** When the claim was taken (ms since the epoch, the owner's clock). */
  since: number;
  /** Random token identifying this claim. */
  token: string;
  /** The operation's own process (a command), which may outlive a killed flow process. */
  child?: number;
}

/** The result of {@link ClaimStore.claim}: a held claim, or who holds it. */
export type ClaimResult = { held: Claim } | { busy: ClaimOwner };

let host: string | undefined;
function thisHost(): string {
  return host ??= Deno.hostname();
}

function envStaleMs(): number | undefined {
  const v = Deno.env.get("FLOW_CLAIM_STALE");
  if (v === undefined) return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

function fileName(aggregateId: string, operation: string): string {
  // Operation names are identifiers in practice; encode anything else.
  return `${aggregateId}.${encodeURIComponent(operation).replaceAll(".", "%2E")}`;
}

/** The text of a claim, or of a leftover: a link's target, a file's content (throws when gone). */
function readClaimText(path: string, info = Deno.lstatSync(path)): string {
  return info.isSymlink ? Deno.readLinkSync(path) : Deno.readTextFileSync(path);
}

/**
 * Makes `path` a claim holding `text`: a symbolic link when `link`, else a
 * file by exclusive create. Throws `AlreadyExists` when the name is taken.
 */
function createClaim(path: string, text: string, link: boolean): void {
  if (link) Deno.symlinkSync(text, path);
  else Deno.writeTextFileSync(path, text, { createNew: true });
}

/** True for the errors of a file system or a permission set that makes no symbolic links. */
function noLinks(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied ||
    e instanceof Deno.errors.NotSupported ||
    /\(os error (1|95)\)/.test((e as Error)?.message ?? ""); // EPERM, EOPNOTSUPP
}

function readOwner(path: string): { owner?: ClaimOwner; mtime: number } | undefined {
  try {
    const info = Deno.lstatSync(path);
    const mtime = info.mtime?.getTime() ?? Date.now();
    const text = readClaimText(path, info);
    try {
      const o = JSON.parse(text) as ClaimOwner;
      if (typeof o.pid === "number" && typeof o.host === "string") return { owner: o, mtime };
    } catch {
      // half written by a process that died between create and write
    }
    return { mtime };
  } catch {
    return undefined; // gone
  }
}

/**
 * Whether the process that wrote a leftover file of a takeover or an update
 * (`<claim>.stale.<host>.<pid>.<uuid>`, `<claim>.takeover` holding
 * "host pid", `<claim>.<token>.tmp` holding the owner) ran on this host and
 * no longer exists. An update cut short before its owner was written is
 * judged by the claim it belongs to: gone with it, or left while its writer
 * runs. (Only its writer renames it, right after writing it, while the claim
 * is still its own; once the claim is gone or another's, nothing will.)
 */
function leftoverWriterGone(name: string, path: string): boolean {
  let writer: { host: string; pid: number } | undefined;
  const grave = /\.stale\.(.+)\.(\d+)\.[0-9a-f-]+$/.exec(name);
  if (grave) writer = { host: grave[1], pid: Number(grave[2]) };
  else {
    let text: string;
    try {
      text = readClaimText(path);
    } catch {
      return false;
    }
    if (name.endsWith(".takeover")) {
      const m = /^(\S+) (\d+)$/.exec(text.trim());
      if (m) writer = { host: m[1], pid: Number(m[2]) };
    } else {
      try {
        const o = JSON.parse(text) as Partial<ClaimOwner>;
        if (typeof o.host === "string" && typeof o.pid === "number") {
          writer = { host: o.host, pid: o.pid };
        }
      } catch {
        // Cut short by the crash (empty or partial): the claim it was updating names the writer.
        const token = /\.([^./]+)\.tmp$/.exec(name)?.[1];
        if (token === undefined) return false;
        const claim = readOwner(path.slice(0, path.length - `.${token}.tmp`.length));
        // The claim is gone or another's now: nobody will ever rename this file over it.
        if (!claim || (claim.owner && claim.owner.token !== token)) return true;
        if (claim.owner) writer = { host: claim.owner.host, pid: claim.owner.pid };
        // An unreadable claim: judged by age.
      }
    }
  }
  return writer !== undefined && writer.host === thisHost() && writer.pid !== Deno.pid &&
    processExists(writer.pid) === false;
}

/**
 * A claim this process holds.
 *
 * @example
 * ```ts
 * import { ClaimStore } from "./claims.ts";
 * const store = new ClaimStore(Deno.makeTempDirSync());
 * const r = store.claim("prep", "0123");
 * if ("held" in r) r.held.release();
 * ```
 */
export class Claim {
  /** The claim file. */
  readonly path: string;
  /** Who holds it (this process). */
  readonly owner: ClaimOwner;
  readonly #store: ClaimStore;

  /** True when the claim is a symbolic link (else a file). */
  readonly isLink: boolean;

  /** @internal Made by {@link ClaimStore.claim}. */
  constructor(path: string, owner: ClaimOwner, store: ClaimStore, isLink = false) {
    this.path = path;
    this.owner = owner;
    this.#store = store;
    this.isLink = isLink;
  }

  /** True while the claim file is still this claim (nobody took it over). */
  isMine(): boolean {
    return readOwner(this.path)?.owner?.token === this.owner.token;
  }

  /**
   * Records the process running the operation (a command in its own process
   * group): a claim whose flow process died is live while that process runs.
   */
  setChild(pid: number): void {
    if (!this.isMine()) return;
    this.owner.child = pid;
    this.rewrite();
  }

  /**
   * @internal Writes the owner again (with its child, a new time): a new
   * claim of the same kind beside it, renamed over it, so that a reader sees
   * the old one or the new one, never a part.
   */
  rewrite(): void {
    const tmp = `${this.path}.${this.owner.token}.tmp`;
    try {
      createClaim(tmp, JSON.stringify(this.owner), this.isLink);
      Deno.renameSync(tmp, this.path);
    } catch {
      // The claim stays valid without it; a part written (a full disk) does not stay behind.
      try {
        Deno.removeSync(tmp);
      } catch {
        // never made
      }
    }
  }

  /** Removes the claim (if it is still ours). */
  release(): void {
    this.#store.forget(this);
    // Nobody takes over a claim younger than the stale limit: no need to read it back.
    if (Date.now() - this.owner.since >= this.#store.staleAfterMs / 2 && !this.isMine()) return;
    try {
      Deno.removeSync(this.path);
    } catch {
      // gone already
    }
  }
}

/**
 * The claims of one project.
 *
 * @example
 * ```ts
 * import { ClaimStore } from "./claims.ts";
 * const store = new ClaimStore(Deno.makeTempDirSync());
 * const a = store.claim("prep", "0123");
 * const b = store.claim("prep", "0123");
 * console.log("held" in a, "busy" in b); // true true
 * if ("held" in a) a.held.release();
 * store.close();
 * ```
 */
export class ClaimStore {
  readonly #dir: string;
  readonly #staleAfterMs: number;
  readonly #heartbeatMs: number;
  readonly #onTakeover?: (message: string) => void;
  readonly #held = new Set<Claim>();
  #timer?: ReturnType<typeof setInterval>;
  /** Claims are symbolic links until the file system or the permissions refuse one. */
  #links: boolean;

  /** The claims of the project at `root`. */
  constructor(root: string, options: ClaimOptions = {}) {
    this.#dir = `${root}/${CLAIMS_DIR}`;
    this.#staleAfterMs = options.staleAfterMs ?? envStaleMs() ?? 600_000;
    this.#heartbeatMs = options.heartbeatMs ?? Math.min(60_000, this.#staleAfterMs / 10);
    this.#onTakeover = options.onTakeover;
    this.#links = options.links ?? true;
  }

  /**
   * Claims `operation` on the aggregate (or job) `aggregateId`: the claim,
   * or who holds it. A stale claim is taken over (see the module
   * documentation).
   */
  claim(operation: string, aggregateId: string): ClaimResult {
    const path = `${this.#dir}/${fileName(aggregateId, operation)}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const mine = this.#tryCreate(path);
      if (mine) return { held: mine };
      const found = readOwner(path);
      if (!found) continue; // released meanwhile: try again
      const why = this.#staleness(found.owner, found.mtime);
      if (why === undefined) {
        return {
          busy: found.owner ?? { host: "?", pid: 0, since: found.mtime, token: "" },
        };
      }
      if (this.#takeOver(path, found.owner?.token)) {
        const who = found.owner ? `${found.owner.host}:${found.owner.pid}` : "an unknown process";
        this.#onTakeover?.(
          `taking over the claim on '${operation}' for ${aggregateId} left by ${who} (${why})`,
        );
      }
    }
    const found = readOwner(path);
    return { busy: found?.owner ?? { host: "?", pid: 0, since: Date.now(), token: "" } };
  }

  /**
   * The live claims on the aggregate (or job) `aggregateId`: the operations
   * some process is running on it now (stale claims are left out).
   *
   * @example
   * ```ts
   * import { ClaimStore } from "./claims.ts";
   * const store = new ClaimStore(Deno.makeTempDirSync());
   * const c = store.claim("prep", "42b7b4f2921788ea14dac5566e6f06d0");
   * console.log(store.liveClaims("42b7b4f2921788ea14dac5566e6f06d0").map((l) => l.operation)); // ["prep"]
   * if ("held" in c) c.held.release();
   * store.close();
   * ```
   */
  liveClaims(aggregateId: string): { operation: string; owner: ClaimOwner }[] {
    return this.live().filter((l) => l.aggregateId === aggregateId).map(({ operation, owner }) => ({
      operation,
      owner,
    }));
  }

  /**
   * Every live claim of the project: which operation some process runs on
   * which job or aggregate now (stale claims and leftovers of takeovers are
   * left out), by aggregate id, then operation.
   *
   * @example
   * ```ts
   * import { ClaimStore } from "./claims.ts";
   * const store = new ClaimStore(Deno.makeTempDirSync());
   * const c = store.claim("prep", "42b7b4f2921788ea14dac5566e6f06d0");
   * console.log(store.live().map((l) => l.operation)); // ["prep"]
   * if ("held" in c) c.held.release();
   * store.close();
   * ```
   */
  live(): { aggregateId: string; operation: string; owner: ClaimOwner }[] {
    const live: { aggregateId: string; operation: string; owner: ClaimOwner }[] = [];
    for (const name of this.#fileNames()) {
      const dot = name.indexOf(".");
      const encoded = name.slice(dot + 1);
      // Claims only: a leftover of a takeover or an update has a second dot.
      if (dot <= 0 || encoded.includes(".")) continue;
      const found = readOwner(`${this.#dir}/${name}`);
      if (!found?.owner || this.#staleness(found.owner, found.mtime) !== undefined) continue;
      let operation = encoded;
      try {
        operation = decodeURIComponent(encoded);
      } catch {
        // not one of ours: shown as it is
      }
      live.push({ aggregateId: name.slice(0, dot), operation, owner: found.owner });
    }
    const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return live.sort((a, b) =>
      order(a.aggregateId, b.aggregateId) || order(a.operation, b.operation)
    );
  }

  /**
   * Removes the stale claims left by processes that died (see the module
   * documentation); returns how many. Claims of live processes, and files
   * being written, are left alone.
   */
  sweep(): number {
    let removed = 0;
    for (const name of this.#fileNames()) {
      const path = `${this.#dir}/${name}`;
      if (name.includes(".stale.") || name.endsWith(".tmp") || name.endsWith(".takeover")) {
        // Left by a process killed during a takeover or an update: removed once that process
        // is known to be gone (same host), or after the stale limit.
        const mtime = readOwner(path)?.mtime ?? Date.now();
        if (leftoverWriterGone(name, path) || Date.now() - mtime > this.#staleAfterMs) {
          try {
            Deno.removeSync(path);
            removed++;
          } catch {
            // gone
          }
        }
        continue;
      }
      const found = readOwner(path);
      if (!found || this.#staleness(found.owner, found.mtime) === undefined) continue;
      if (this.#takeOver(path, found.owner?.token)) removed++;
    }
    return removed;
  }

  /** Stops the heartbeat (claims still held stay on disk until released). */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** @internal A claim was released. */
  forget(claim: Claim): void {
    this.#held.delete(claim);
  }

  /** How old a heartbeat may be before a claim is stale, in ms. */
  get staleAfterMs(): number {
    return this.#staleAfterMs;
  }

  /** Names of the files in the claims folder (none when it does not exist yet). */
  #fileNames(): string[] {
    try {
      return [...Deno.readDirSync(this.#dir)].filter((e) => e.isFile || e.isSymlink).map((e) =>
        e.name
      );
    } catch {
      return [];
    }
  }

  #tryCreate(path: string): Claim | undefined {
    const owner: ClaimOwner = {
      host: thisHost(),
      pid: Deno.pid,
      since: Date.now(),
      token: crypto.randomUUID(),
    };
    const link = this.#links;
    try {
      // One symlink(2), or one exclusive create (O_CREAT | O_EXCL) with the content.
      createClaim(path, JSON.stringify(owner), link);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) return undefined;
      if (e instanceof Deno.errors.NotFound) {
        Deno.mkdirSync(this.#dir, { recursive: true });
        return this.#tryCreate(path);
      }
      if (link && noLinks(e)) {
        this.#links = false; // files from now on
        return this.#tryCreate(path);
      }
      throw e;
    }
    const claim = new Claim(path, owner, this, link);
    this.#held.add(claim);
    this.#startHeartbeat();
    return claim;
  }

  /** Why a claim is stale, or undefined when it is live. */
  #staleness(owner: ClaimOwner | undefined, mtime: number): string | undefined {
    const age = Date.now() - mtime;
    if (!owner) return age > 5_000 ? "unreadable claim file" : undefined;
    if (owner.host === thisHost()) {
      if (owner.pid === Deno.pid) return undefined; // our own (another unit of this run)
      const exists = processExists(owner.pid);
      if (exists === false) {
        // A command it started may still be running (flow was killed, its child was not).
        if (owner.child !== undefined && processExists(owner.child) !== false) return undefined;
        return "its process no longer exists";
      }
    }
    if (age > this.#staleAfterMs) {
      return `no heartbeat for ${Math.round(age / 1000)} s`;
    }
    return undefined;
  }

  /** Removes a stale claim if it still is the one judged stale; true if it was removed. */
  #takeOver(path: string, token: string | undefined): boolean {
    // One takeover at a time per claim: the lock is held for a few milliseconds.
    const lock = `${path}.takeover`;
    try {
      Deno.writeTextFileSync(lock, `${thisHost()} ${Deno.pid}`, { createNew: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) return false;
      // Left by a process that died in the middle of a takeover?
      const age = Date.now() - (readOwner(lock)?.mtime ?? Date.now());
      if (age > 60_000 || leftoverWriterGone(lock.slice(lock.lastIndexOf("/") + 1), lock)) {
        try {
          Deno.removeSync(lock);
        } catch {
          // another process removed it
        }
      }
      return false;
    }
    try {
      // Still the claim judged stale? (It may have been taken over and released meanwhile.)
      if (readOwner(path)?.owner?.token !== token) return false;
      const grave = `${path}.stale.${thisHost()}.${Deno.pid}.${crypto.randomUUID()}`;
      try {
        Deno.renameSync(path, grave);
      } catch {
        return false;
      }
      const moved = readOwner(grave);
      if (moved?.owner?.token !== token) {
        // Replaced between the check and the rename: put it back.
        try {
          Deno.linkSync(grave, path);
        } catch {
          // a new claim exists; the one moved will find it is no longer its own
        }
        try {
          Deno.removeSync(grave);
        } catch {
          // nothing to clean up
        }
        return false;
      }
      try {
        Deno.removeSync(grave);
      } catch {
        // nothing to clean up
      }
      return true;
    } finally {
      try {
        Deno.removeSync(lock);
      } catch {
        // removed as stale by another process
      }
    }
  }

  #startHeartbeat(): void {
    if (this.#timer !== undefined) return;
    const timer = setInterval(() => {
      const now = new Date();
      for (const c of this.#held) {
        if (c.isLink) {
          // A link's own times cannot be set: an equal one, made now, replaces it (if still ours).
          if (c.isMine()) c.rewrite();
          continue;
        }
        try {
          Deno.utimeSync(c.path, now, now);
        } catch {
          // taken over or removed: isMine() will tell
        }
      }
    }, this.#heartbeatMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }
}
