// `flow resources [--cpus N] [--gpus LIST|N] [--json]`: what the local executor may use.

import type { Command } from "../deps.ts";
import { detectResources, formatResources, parseCpuCount } from "../../executor/resources.ts";
import { out } from "../_io.ts";
import type { CliContext } from "../_context.ts";

/** Registers `flow resources` (it needs no project). */
export function registerResources(program: Command, _ctx: CliContext): void {
  program
    .command("resources")
    .option("--cpus <n>", "use N processors (overrides FLOW_CPUS and the scheduler's count)")
    .option("--gpus <list|n>", "use these GPUs: a list '0,2' (one: '2,'), a count N, or 'none'")
    .option("--json", "print {cpus, cpuSource, gpus, gpuSource, vendor} as JSON")
    .description("print the processors and GPUs operations may use, and where each count came from")
    .addHelpText(
      "after",
      `
Processors, first found: --cpus, FLOW_CPUS, the scheduler's allocation
(SLURM_CPUS_ON_NODE, SLURM_JOB_CPUS_PER_NODE, NCPUS, PBS_NUM_PPN, PBS_NP,
LSB_DJOB_NUMPROC), then the CPUs this process may run on.

GPUs, first found: --gpus, FLOW_GPUS (a count N takes the first N of the
visible set), CUDA_VISIBLE_DEVICES (empty, -1 or NoDevFiles: none),
ROCR_VISIBLE_DEVICES / HIP_VISIBLE_DEVICES, 'nvidia-smi -L', 'rocm-smi
--showid'. Each operation then sees only the GPUs it was given; one that
asks for none sees none.

Examples:
  flow resources
  flow resources --json
  flow resources --cpus 8 --gpus 0,1
  FLOW_GPUS=2 flow resources
  CUDA_VISIBLE_DEVICES=2,3 flow resources`,
    )
    .action(async (opts: { cpus?: string; gpus?: string; json?: boolean }) => {
      const r = await detectResources({
        cpus: opts.cpus === undefined ? undefined : parseCpuCount(opts.cpus, "--cpus"),
        gpus: opts.gpus,
      });
      out(opts.json ? JSON.stringify(r, null, 2) : formatResources(r));
    });
}
