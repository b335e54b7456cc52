/**
 * The MPI launcher: how an operation with `nranks > 0` is started.
 *
 * The launcher is a command prefix with `{n}` standing for the number of
 * ranks: `mpirun -n {n}` by default, `srun --ntasks={n}` inside a SLURM
 * allocation (where `srun` places ranks on the allocated nodes), or what
 * `--mpi-launcher` / `FLOW_MPI_LAUNCHER` say (e.g. `mpiexec -np {n}`).
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/**
 * The launcher prefix template to use.
 *
 * @param override `--mpi-launcher`, if given
 * @param env the environment (FLOW_MPI_LAUNCHER, SLURM_JOB_ID)
 * @example
 * ```ts
 * import { chooseLauncher } from "./mpi.ts";
 * console.log(chooseLauncher(undefined, { SLURM_JOB_ID: "42" })); // srun --ntasks={n}
 * ```
 */
export function chooseLauncher(
  override: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const chosen = override ?? env.FLOW_MPI_LAUNCHER;
  if (chosen !== undefined) {
    if (!chosen.includes("{n}")) {
      throw new UsageError(
        `MPI launcher '${chosen}' must contain {n} for the number of ranks, e.g. 'mpirun -n {n}'`,
      );
    }
    return chosen;
  }
  return env.SLURM_JOB_ID ? "srun --ntasks={n}" : "mpirun -n {n}";
}

/**
 * The command with the launcher in front when the operation has ranks.
 *
 * @example
 * ```ts
 * import { withLauncher } from "./mpi.ts";
 * console.log(withLauncher("./sim", 4, "mpirun -n {n}")); // mpirun -n 4 ./sim
 * console.log(withLauncher("./sim", 0, "mpirun -n {n}")); // ./sim
 * ```
 */
export function withLauncher(command: string, nranks: number, launcher: string): string {
  return nranks > 0 ? `${launcher.replaceAll("{n}", String(nranks))} ${command}` : command;
}
