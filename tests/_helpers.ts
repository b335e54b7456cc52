/**
 * Shared helpers of the test suite: temporary folders and running the CLI.
 *
 * @module
 */

const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

/**
 * The V8 flags the `flow` task and the compiled binary use: a young
 * generation of at most 4 MB per semi-space keeps the peak memory of
 * `flow status` at 100,000 jobs near 200 MB instead of 270 MB, at no cost in
 * time (measured in bench/scale.ts).
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=4";

/**
 * The permission flags the `flow` task and the compiled binary use: the
 * permission set "flow" of deno.json, the one list of them.
 */
export const FLOW_PERMISSIONS = [
  "-q",
  "--config",
  DENO_JSON,
  V8_FLAGS,
  "-P=flow",
];

/**
 * How users run a TypeScript workflow (`deno run -A --unstable-worker-options
 * project.ts ...`): the flag lets function operations run in
 * permission-scoped Workers.
 */
export const PROJECT_TS_FLAGS = ["-q", "-A", "--unstable-worker-options"];

const CLI = new URL("../cli.ts", import.meta.url).pathname;

/**
 * Deno's cache folder as this test process has it. Passed on to every CLI
 * run, so that a test which sets HOME (to a folder holding its own
 * `~/.config/flow`) does not send Deno looking for the npm packages under the
 * new HOME (a fresh download: ~10 s per run, and network access).
 */
const DENO_DIR = Deno.env.get("DENO_DIR") ||
  `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`;

/** Whether something exists at `path` (a link counts, whatever it points to). */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process is alive (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** A new temporary folder, removed when `fn` ends. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "flow-test-" });
  try {
    return await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `flow ARGS...` as a real subprocess under the CLI's permission list. */
export async function flow(
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...FLOW_PERMISSIONS, CLI, ...args],
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_DIR, ...options.env },
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const { code, stdout, stderr } = await child.output();
  const dec = new TextDecoder();
  return { code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

/**
 * A new project in `dir` made through the CLI (`flow init`, then `flow.yaml`
 * when given, then `flow job create STATEPOINTS...`); returns the job ids in
 * the order given. Throws, with flow's stderr, if a step fails.
 */
export async function flowProject(
  dir: string,
  statepoints: string[],
  flowYaml?: string,
): Promise<string[]> {
  const init = await flow(["init", dir]);
  if (init.code !== 0) throw new Error(`flow init failed: ${init.stderr}`);
  if (flowYaml !== undefined) Deno.writeTextFileSync(`${dir}/flow.yaml`, flowYaml);
  const made = await flow(["job", "create", ...statepoints], { cwd: dir });
  if (made.code !== 0) throw new Error(`flow job create failed: ${made.stderr}`);
  return made.stdout.trim().split("\n");
}

/** `flow ARGS...` as {@link flow} runs it, as one line for a shell. */
function flowCommandLine(args: string[]): string {
  const quote = (s: string) => "'" + s.replaceAll("'", "'\\''") + "'";
  return [Deno.execPath(), "run", "--quiet", ...FLOW_PERMISSIONS, CLI, ...args].map(quote).join(
    " ",
  );
}

/** Runs `program ARGS...`, a wrapper that starts a {@link flowCommandLine}, as {@link flow} runs flow. */
async function wrapped(
  program: "bash" | "script",
  args: string[],
  cwd: string | undefined,
): Promise<CliResult> {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_DIR },
  }).output();
  const dec = new TextDecoder();
  return { code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

/**
 * Runs `flow ARGS...` as {@link flow} does, but on a terminal: `script`
 * (util-linux) gives it a pseudo-terminal for stdin, stdout and stderr, and
 * everything it wrote there comes back in `output`.
 */
export async function flowOnTerminal(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; output: string }> {
  const r = await wrapped("script", ["-qec", flowCommandLine(args), "/dev/null"], options.cwd);
  return { code: r.code, output: r.stdout };
}

/**
 * Runs `flow ARGS...` as {@link flow} does, with its standard output piped
 * into a reader that has already gone (`flow ... | true`: `true` exits long
 * before flow has started), so that flow's first write to stdout fails with
 * a broken pipe. `code` is flow's exit status (bash's `pipefail`).
 */
export async function flowIntoClosedPipe(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; stderr: string }> {
  const line = `set -o pipefail; ${flowCommandLine(args)} | true`;
  const { code, stderr } = await wrapped("bash", ["-c", line], options.cwd);
  return { code, stderr };
}

/**
 * Runs `flow ARGS...` as {@link flow} does, allowed to write files of at most
 * `kib` KiB (`ulimit -f`, with SIGXFSZ ignored, so that a write past the
 * limit fails with "File too large" as a full disk fails with "No space
 * left"): how tests meet a file system that refuses writes, without root.
 */
export function flowWithFileSizeLimit(
  args: string[],
  kib: number,
  options: { cwd?: string } = {},
): Promise<CliResult> {
  const line = `trap '' XFSZ; ulimit -f ${kib}; exec ${flowCommandLine(args)}`;
  return wrapped("bash", ["-c", line], options.cwd);
}

/** Recursively copies a folder. */
export function copyDir(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.isDirectory) copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else Deno.copyFileSync(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/**
 * A snapshot of every file under a folder (path → content), to prove nothing
 * changed. Symbolic links are recorded as `-> target`, never followed.
 */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isSymlink) out.set(p, `-> ${Deno.readLinkSync(p)}`);
      else if (e.isDirectory) {
        out.set(p + "/", "");
        walk(p);
      } else out.set(p, Deno.readTextFileSync(p));
    }
  };
  walk(dir);
  return out;
}
