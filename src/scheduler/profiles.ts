/**
 * The cluster profiles built into flow, as plain TypeScript data (the
 * compiled binary reads no file to know them).
 *
 * Four generic profiles, one per batch system (`slurm`, `pbs`, `lsf`,
 * `local`), know no partitions: nothing is checked and no partition is
 * chosen. A few well-known machines follow, with their public partition
 * data **as of 2025; check your center's docs**: machines are reconfigured,
 * and a profile of the same name in `~/.config/flow/clusters.yaml` or in
 * flow.yaml's `clusters:` replaces any field given here.
 *
 * Detection entries of `detect.env` are a variable name (set and not empty)
 * or `NAME=value` (equal to that value); `detect.hostname` is a regular
 * expression searched in the host name.
 *
 * @module
 */

import type { ClusterProfile } from "./types.ts";

/**
 * The generic profiles, one per batch system, in the order `flow clusters` lists them.
 *
 * @example
 * ```ts
 * import { GENERIC_PROFILES } from "./profiles.ts";
 * console.log(GENERIC_PROFILES.map((p) => p.name)); // ["slurm", "pbs", "lsf", "local"]
 * ```
 */
export const GENERIC_PROFILES: readonly ClusterProfile[] = [
  {
    name: "slurm",
    scheduler: "slurm",
    partitions: [],
    description: "any SLURM cluster (partitions unknown)",
  },
  {
    name: "pbs",
    scheduler: "pbs",
    partitions: [],
    description: "any PBS Pro / Torque cluster (queues unknown)",
  },
  {
    name: "lsf",
    scheduler: "lsf",
    partitions: [],
    description: "any IBM LSF cluster (queues unknown)",
  },
  {
    name: "local",
    scheduler: "local",
    partitions: [],
    description: "no batch system: scripts run with bash on this machine",
  },
];

/**
 * Well-known machines with their public partition data, as of 2025 (check your center's docs).
 *
 * @example
 * ```ts
 * import { MACHINE_PROFILES } from "./profiles.ts";
 * const delta = MACHINE_PROFILES.find((p) => p.name === "delta");
 * console.log(delta?.partitions.map((q) => q.name));
 * ```
 */
export const MACHINE_PROFILES: readonly ClusterProfile[] = [
  {
    name: "frontier",
    scheduler: "slurm",
    description: "OLCF Frontier (AMD MI250X, 8 GCDs per node; whole nodes; as of 2025)",
    detect: { env: ["LMOD_SYSTEM_NAME=frontier"], hostname: "frontier" },
    partitions: [
      // 64 cores per node, 8 reserved for the system (low-noise mode): 56 usable.
      {
        name: "batch",
        cpusPerNode: 56,
        gpusPerNode: 8,
        memoryPerNodeGB: 512,
        maxNodes: 9408,
        wholeNode: true,
        default: true,
      },
      {
        name: "extended",
        cpusPerNode: 56,
        gpusPerNode: 8,
        memoryPerNodeGB: 512,
        maxNodes: 64,
        wholeNode: true,
      },
    ],
  },
  {
    name: "delta",
    scheduler: "slurm",
    description: "NCSA Delta (AMD EPYC CPU nodes; A100, A40 and MI100 GPU nodes; as of 2025)",
    detect: { hostname: "\\.delta\\.ncsa\\.illinois\\.edu$|^dt-login" },
    partitions: [
      {
        name: "cpu",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 16,
        default: true,
      },
      { name: "gpuA100x4", cpusPerNode: 64, gpusPerNode: 4, memoryPerNodeGB: 256, maxNodes: 8 },
      { name: "gpuA40x4", cpusPerNode: 64, gpusPerNode: 4, memoryPerNodeGB: 256, maxNodes: 8 },
      { name: "gpuA100x8", cpusPerNode: 128, gpusPerNode: 8, memoryPerNodeGB: 2048, maxNodes: 2 },
      { name: "gpuMI100x8", cpusPerNode: 128, gpusPerNode: 8, memoryPerNodeGB: 2048, maxNodes: 1 },
    ],
  },
  {
    name: "anvil",
    scheduler: "slurm",
    description: "Purdue Anvil (AMD EPYC 128-core nodes; A100 GPU nodes; as of 2025)",
    detect: { hostname: "\\.anvil\\.rcac\\.purdue\\.edu$" },
    partitions: [
      {
        name: "shared",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 1,
        default: true,
      },
      {
        name: "wholenode",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 16,
        wholeNode: true,
      },
      {
        name: "wide",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 56,
        wholeNode: true,
      },
      { name: "highmem", cpusPerNode: 128, gpusPerNode: 0, memoryPerNodeGB: 1024, maxNodes: 1 },
      { name: "gpu", cpusPerNode: 128, gpusPerNode: 4, memoryPerNodeGB: 512, maxNodes: 4 },
    ],
  },
  {
    name: "expanse",
    scheduler: "slurm",
    description: "SDSC Expanse (AMD EPYC 128-core nodes; V100 GPU nodes; as of 2025)",
    detect: { hostname: "\\.expanse\\.sdsc\\.edu$|^exp-\\d" },
    partitions: [
      {
        name: "shared",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 1,
        default: true,
      },
      {
        name: "compute",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 256,
        maxNodes: 32,
        wholeNode: true,
      },
      {
        name: "large-shared",
        cpusPerNode: 128,
        gpusPerNode: 0,
        memoryPerNodeGB: 2048,
        maxNodes: 1,
      },
      { name: "gpu-shared", cpusPerNode: 40, gpusPerNode: 4, memoryPerNodeGB: 384, maxNodes: 1 },
      {
        name: "gpu",
        cpusPerNode: 40,
        gpusPerNode: 4,
        memoryPerNodeGB: 384,
        maxNodes: 4,
        wholeNode: true,
      },
    ],
  },
  {
    name: "greatlakes",
    scheduler: "slurm",
    description:
      "University of Michigan Great Lakes (36-core nodes; V100 and A40 GPUs; as of 2025)",
    detect: { hostname: "\\.arc-ts\\.umich\\.edu$|^gl(-login)?\\d" },
    gpuDirective: "gres",
    partitions: [
      {
        name: "standard",
        cpusPerNode: 36,
        gpusPerNode: 0,
        memoryPerNodeGB: 180,
        maxNodes: 16,
        default: true,
      },
      { name: "largemem", cpusPerNode: 36, gpusPerNode: 0, memoryPerNodeGB: 1500, maxNodes: 1 },
      { name: "gpu", cpusPerNode: 40, gpusPerNode: 2, memoryPerNodeGB: 180, maxNodes: 4 },
      { name: "spgpu", cpusPerNode: 32, gpusPerNode: 8, memoryPerNodeGB: 372, maxNodes: 4 },
    ],
  },
];

/**
 * Every built-in profile: the generic ones, then the machines.
 *
 * @example
 * ```ts
 * import { BUILTIN_PROFILES } from "./profiles.ts";
 * console.log(BUILTIN_PROFILES.length > 4); // true
 * ```
 */
export const BUILTIN_PROFILES: readonly ClusterProfile[] = [
  ...GENERIC_PROFILES,
  ...MACHINE_PROFILES,
];
