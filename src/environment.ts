/**
 * The environment of operations: a clean environment built from an allow
 * list, plus the operation's own variables. A secret in flow's environment
 * (a token, a password) never reaches an operation unless the user passes it
 * on purpose with `FLOW_PASS_ENV`.
 *
 * @module
 */

/**
 * Variables (exact names, or prefixes ending in `*`) passed to every
 * operation: the basics of a Unix session, locale, the scheduler's and MPI's
 * variables inside an allocation, and environment-module / conda setups
 * that scientific software depends on.
 */
export const DEFAULT_PASS_ENV: readonly string[] = Object.freeze([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TERM",
  "TZ",
  "TMPDIR",
  "HOSTNAME",
  "LD_LIBRARY_PATH",
  "LIBRARY_PATH",
  "CPATH",
  "MANPATH",
  "PKG_CONFIG_PATH",
  "MODULEPATH",
  "MODULESHOME",
  "LOADEDMODULES",
  "_LMFILES_",
  "LMOD_*",
  "CONDA_*",
  "VIRTUAL_ENV",
  "PYTHONPATH",
  "JAVA_HOME",
  "SLURM_*",
  "PBS_*",
  "LSB_*",
  "LSF_*",
  "OMPI_*",
  "PMI_*",
  "PMIX_*",
  "I_MPI_*",
  "HYDRA_*",
  "DENO_DIR",
  "NO_COLOR",
]);

function matcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith("*")));
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

/**
 * The names (or prefixes with `*`) in `FLOW_PASS_ENV`, comma- or
 * space-separated.
 *
 * @example
 * ```ts
 * import { parsePassEnv } from "./environment.ts";
 * console.log(parsePassEnv("WANDB_API_KEY, MY_*")); // ["WANDB_API_KEY", "MY_*"]
 * ```
 */
export function parsePassEnv(value: string | undefined): string[] {
  return (value ?? "").split(/[,\s]+/).filter((s) => s.length > 0);
}

/**
 * The environment of an operation: the allowed variables of `parent`, then
 * `extra` (which wins).
 *
 * @param parent flow's own environment
 * @param extra the operation's variables (FLOW_*, CUDA_VISIBLE_DEVICES, OMP_NUM_THREADS, ...)
 * @param pass more names or prefixes to pass (default: `FLOW_PASS_ENV` of `parent`)
 * @example
 * ```ts
 * import { operationEnv } from "./environment.ts";
 * const env = operationEnv({ PATH: "/bin", AWS_SECRET: "x" }, { FLOW_OPERATION: "prep" });
 * console.log(env); // { PATH: "/bin", FLOW_OPERATION: "prep" }
 * ```
 */
export function operationEnv(
  parent: Record<string, string>,
  extra: Record<string, string>,
  pass: readonly string[] = parsePassEnv(parent.FLOW_PASS_ENV),
): Record<string, string> {
  const allowed = matcher([...DEFAULT_PASS_ENV, ...pass]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (allowed(k)) env[k] = v;
  return Object.assign(env, extra);
}

const LOADER_VAR = /^(LD_|DYLD_)/;

/**
 * Splits loader variables (`LD_*`, `DYLD_*`) off an environment and returns
 * the shell prelude that restores them.
 *
 * Deno refuses to start an allow-listed program (`--allow-run=bash`) with
 * loader variables in its environment, because they could change what that
 * program loads. flow therefore starts `bash` without them and the
 * operation's shell exports them again before the command runs: the command
 * sees exactly the variables it would have seen, and flow's own permission
 * list stays narrow.
 *
 * @example
 * ```ts
 * import { splitLoaderVars } from "./environment.ts";
 * const { env, prelude } = splitLoaderVars({ PATH: "/bin", LD_LIBRARY_PATH: "/opt/lib" });
 * console.log(env, prelude); // { PATH: "/bin" } export LD_LIBRARY_PATH='/opt/lib';
 * ```
 */
export function splitLoaderVars(
  environment: Record<string, string>,
): { env: Record<string, string>; prelude: string } {
  const env: Record<string, string> = {};
  const exports: string[] = [];
  for (const [k, v] of Object.entries(environment)) {
    if (LOADER_VAR.test(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      exports.push(`export ${k}='${v.replace(/'/g, "'\\''")}';`);
    } else env[k] = v;
  }
  return { env, prelude: exports.join(" ") };
}
