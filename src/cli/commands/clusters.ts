// `flow clusters [--cluster NAME] [--json]`: the detected cluster and why, and every profile.

import type { Command } from "../deps.ts";
import { out } from "../_io.ts";
import { hostname, knownProfiles, workflowClusters } from "../_cluster.ts";
import type { CliContext } from "../_context.ts";
import { detectCluster, type Detected } from "../../scheduler/clusters.ts";
import { describePartition } from "../../scheduler/partition.ts";
import type { ClusterProfile, Partition } from "../../scheduler/types.ts";

function shortPartition(p: Partition): string {
  const gpus = p.gpusPerNode > 0 ? `/${p.gpusPerNode}g` : "";
  return `${p.name}${p.default ? "*" : ""} ${p.cpusPerNode}c${gpus}`;
}

function formatText(profiles: ClusterProfile[], detected: Detected): string {
  const lines = [`cluster: ${detected.profile.name} (${detected.reason})`];
  const d = detected.profile;
  if (d.description) lines.push(`  ${d.description}`);
  lines.push(`  scheduler: ${d.scheduler}`);
  if (d.account !== undefined) lines.push(`  account: ${d.account}`);
  if (d.partitions.length === 0) lines.push("  partitions: unknown (none is checked or chosen)");
  else {
    lines.push("  partitions:");
    for (const p of d.partitions) {
      const desc = describePartition(p, { memory: true, nodes: true, wholeNode: true });
      lines.push(`    ${desc}${p.default ? " default" : ""}`);
    }
  }
  lines.push("", "Known profiles (c: cores per node, g: GPUs per node, *: default partition):");
  const width = Math.max(...profiles.map((p) => p.name.length), 4);
  lines.push(`  ${"NAME".padEnd(width)}  SCHEDULER  PARTITIONS`);
  for (const p of profiles) {
    const parts = p.partitions.length === 0 ? "-" : p.partitions.map(shortPartition).join(", ");
    const mark = p.name === d.name ? "*" : " ";
    lines.push(`${mark} ${p.name.padEnd(width)}  ${p.scheduler.padEnd(9)}  ${parts}`);
  }
  return lines.join("\n");
}

/** Registers `flow clusters` (it needs no project; flow.yaml's `clusters:` counts when found). */
export function registerClusters(program: Command, ctx: CliContext): void {
  program
    .command("clusters")
    .option("--cluster <name>", "use this profile (overrides FLOW_CLUSTER and detection)")
    .option("--json", "print {detected: {name, reason}, profiles: [...]} as JSON")
    .description("show the cluster flow detects here and why, and list the known cluster profiles")
    .addHelpText(
      "after",
      `
The cluster, first found: --cluster, FLOW_CLUSTER, a profile whose 'detect'
matches (environment variables, host name), the generic profile of the batch
system whose client is on PATH (sbatch: slurm, qsub: pbs, bsub: lsf), else
'local'.

Profiles: the built-in ones (generic slurm, pbs, lsf, local; a few
well-known machines with partition data as of 2025: check your center's
docs), then ~/.config/flow/clusters.yaml, then 'clusters:' in flow.yaml. A
profile named like an earlier one replaces the fields it gives:

  mycluster:
    scheduler: slurm
    detect: {hostname: "\\\\.mycluster\\\\.edu$"}
    partitions:
      cpu: {cpusPerNode: 64, gpusPerNode: 0, default: true}
      gpu: {cpusPerNode: 32, gpusPerNode: 4, maxNodes: 4}
  delta:
    account: abc123-delta-gpu

Examples:
  flow clusters
  flow clusters --json
  flow clusters --cluster delta
  FLOW_CLUSTER=frontier flow clusters`,
    )
    .action(async (opts: { cluster?: string; json?: boolean }) => {
      const wf = await workflowClusters(ctx);
      const profiles = await knownProfiles(wf);
      const detected = detectCluster(profiles, {
        name: opts.cluster,
        env: Deno.env.toObject(),
        hostname: hostname(),
      });
      if (opts.json) {
        out(JSON.stringify(
          {
            detected: { name: detected.profile.name, reason: detected.reason },
            profiles,
          },
          null,
          2,
        ));
      } else out(formatText(profiles, detected));
    });
}
