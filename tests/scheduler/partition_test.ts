// Partition choice: GPU vs CPU, whole-node rounding, multi-node, errors listing the limits.
import { assertEquals, assertThrows } from "../_assert.ts";
import { UsageError } from "../../src/errors.ts";
import {
  choosePartition,
  describePartition,
  PartitionError,
  type PartitionRequest,
  tasksNodes,
} from "../../src/scheduler/partition.ts";
import { BUILTIN_PROFILES } from "../../src/scheduler/profiles.ts";
import type { ClusterProfile } from "../../src/scheduler/types.ts";

const profile = (name: string): ClusterProfile => BUILTIN_PROFILES.find((p) => p.name === name)!;

Deno.test("choosePartition: a table of requests on the built-in machines", () => {
  const cases: {
    cluster: string;
    req: PartitionRequest;
    wanted?: string;
    partition: string;
    nodes: number;
    cores: number;
  }[] = [
    // CPU requests go to GPU-less partitions, the default first.
    { cluster: "delta", req: { cores: 1, gpus: 0 }, partition: "cpu", nodes: 1, cores: 1 },
    { cluster: "delta", req: { cores: 128, gpus: 0 }, partition: "cpu", nodes: 1, cores: 128 },
    // GPU requests: the smallest node that fits (A100x4 and A40x4 tie: listed order).
    { cluster: "delta", req: { cores: 8, gpus: 2 }, partition: "gpuA100x4", nodes: 1, cores: 8 },
    { cluster: "delta", req: { cores: 1, gpus: 4 }, partition: "gpuA100x4", nodes: 1, cores: 1 },
    // 65 cores do not fit a 64-core node: the next size up.
    { cluster: "delta", req: { cores: 65, gpus: 1 }, partition: "gpuA100x8", nodes: 1, cores: 65 },
    { cluster: "delta", req: { cores: 1, gpus: 5 }, partition: "gpuA100x8", nodes: 1, cores: 1 },
    // Memory: the whole job's, checked against the node.
    {
      cluster: "anvil",
      req: { cores: 4, gpus: 0, memoryGB: 600 },
      partition: "highmem",
      nodes: 1,
      cores: 4,
    },
    // Multi-node when allowed: fewest nodes first.
    {
      cluster: "delta",
      req: { cores: 1, gpus: 8, nodesAllowed: true },
      partition: "gpuA100x8",
      nodes: 1,
      cores: 1,
    },
    {
      cluster: "delta",
      req: { cores: 1, gpus: 12, nodesAllowed: true },
      partition: "gpuA100x8",
      nodes: 2,
      cores: 1,
    },
    {
      cluster: "delta",
      req: { cores: 1, gpus: 20, nodesAllowed: true },
      partition: "gpuA100x4",
      nodes: 5,
      cores: 1,
    },
    {
      cluster: "delta",
      req: { cores: 300, gpus: 0, nodesAllowed: true },
      partition: "cpu",
      nodes: 3,
      cores: 300,
    },
    // Whole-node partitions round the cores up to full nodes.
    { cluster: "frontier", req: { cores: 4, gpus: 1 }, partition: "batch", nodes: 1, cores: 56 },
    // A CPU job on a cluster with only GPU partitions still runs.
    { cluster: "frontier", req: { cores: 8, gpus: 0 }, partition: "batch", nodes: 1, cores: 56 },
    {
      cluster: "frontier",
      req: { cores: 100, gpus: 16, nodesAllowed: true },
      partition: "batch",
      nodes: 2,
      cores: 112,
    },
    {
      cluster: "anvil",
      req: { cores: 200, gpus: 0, nodesAllowed: true },
      partition: "wholenode",
      nodes: 2,
      cores: 256,
    },
    { cluster: "expanse", req: { cores: 16, gpus: 0 }, partition: "shared", nodes: 1, cores: 16 },
    // GPUs: gpu-shared and gpu have the same nodes; gpu-shared is listed first.
    {
      cluster: "expanse",
      req: { cores: 10, gpus: 1 },
      partition: "gpu-shared",
      nodes: 1,
      cores: 10,
    },
    {
      cluster: "expanse",
      req: { cores: 80, gpus: 8, nodesAllowed: true },
      partition: "gpu",
      nodes: 2,
      cores: 80,
    },
    {
      cluster: "greatlakes",
      req: { cores: 4, gpus: 2 },
      partition: "gpu",
      nodes: 1,
      cores: 4,
    },
    { cluster: "greatlakes", req: { cores: 4, gpus: 3 }, partition: "spgpu", nodes: 1, cores: 4 },
    // Explicit --partition: used when it fits, rounding included.
    {
      cluster: "anvil",
      req: { cores: 3, gpus: 0 },
      wanted: "wholenode",
      partition: "wholenode",
      nodes: 1,
      cores: 128,
    },
    {
      cluster: "delta",
      req: { cores: 2, gpus: 0 },
      wanted: "gpuA40x4",
      partition: "gpuA40x4",
      nodes: 1,
      cores: 2,
    },
  ];
  for (const c of cases) {
    const what = `${c.cluster} ${JSON.stringify(c.req)} ${c.wanted ?? ""}`;
    const r = choosePartition(profile(c.cluster), c.req, c.wanted);
    assertEquals(
      [r.partition?.name, r.partitionName, r.nodes, r.cores, r.gpus, r.rounded],
      [c.partition, c.partition, c.nodes, c.cores, c.req.gpus, c.cores !== c.req.cores],
      what,
    );
  }
});

Deno.test("choosePartition: CPU preference is default, then smallest; GPU is smallest", () => {
  const p: ClusterProfile = {
    name: "t",
    scheduler: "slurm",
    partitions: [
      { name: "big", cpusPerNode: 64, gpusPerNode: 0 },
      { name: "small", cpusPerNode: 16, gpusPerNode: 0 },
      { name: "main", cpusPerNode: 32, gpusPerNode: 0, default: true },
      { name: "g8", cpusPerNode: 64, gpusPerNode: 8 },
      { name: "g2", cpusPerNode: 32, gpusPerNode: 2, default: true },
      { name: "g2b", cpusPerNode: 16, gpusPerNode: 2 },
    ],
  };
  const name = (req: PartitionRequest) => choosePartition(p, req).partitionName;
  assertEquals(name({ cores: 4, gpus: 0 }), "main");
  assertEquals(name({ cores: 40, gpus: 0 }), "big");
  assertEquals(name({ cores: 4, gpus: 1 }), "g2b");
  assertEquals(name({ cores: 20, gpus: 1 }), "g2");
  assertEquals(name({ cores: 4, gpus: 3 }), "g8");
  // Without a default: the smallest that fits.
  const q: ClusterProfile = {
    ...p,
    partitions: p.partitions.map((x) => ({ ...x, default: false })),
  };
  assertEquals(choosePartition(q, { cores: 4, gpus: 0 }).partitionName, "small");
});

Deno.test("choosePartition: nothing fits: PartitionError lists every partition's limits", () => {
  const delta = profile("delta");
  const cases: [ClusterProfile, PartitionRequest, string][] = [
    [
      delta,
      { cores: 1, gpus: 9 },
      "no partition of cluster 'delta' can run 9 GPUs on one node: cpu (128 cores, 0 GPUs), " +
      "gpuA100x4 (64 cores, 4 GPUs), gpuA40x4 (64 cores, 4 GPUs), gpuA100x8 (128 cores, 8 GPUs), " +
      "gpuMI100x8 (128 cores, 8 GPUs)",
    ],
    [
      delta,
      { cores: 129, gpus: 0 },
      "no partition of cluster 'delta' can run 129 cores on one node: cpu (128 cores, 0 GPUs), ",
    ],
    [
      delta,
      { cores: 3000, gpus: 0, nodesAllowed: true },
      "no partition of cluster 'delta' can run 3000 cores: " +
      "cpu (128 cores, 0 GPUs, up to 16 nodes), gpuA100x4 (64 cores, 4 GPUs, up to 8 nodes), ",
    ],
    [
      profile("greatlakes"),
      { cores: 8, gpus: 0, memoryGB: 2000 },
      "no partition of cluster 'greatlakes' can run 8 cores with 2000 GB of memory on one node: " +
      "standard (36 cores, 0 GPUs, 180 GB), largemem (36 cores, 0 GPUs, 1500 GB), " +
      "gpu (40 cores, 2 GPUs, 180 GB), spgpu (32 cores, 8 GPUs, 372 GB)",
    ],
    [
      profile("greatlakes"),
      { cores: 48, gpus: 2 },
      "no partition of cluster 'greatlakes' can run 48 cores and 2 GPUs on one node: ",
    ],
    [
      {
        name: "one",
        scheduler: "slurm",
        partitions: [{ name: "p", cpusPerNode: 1, gpusPerNode: 0 }],
      },
      { cores: 1, gpus: 1 },
      "no partition of cluster 'one' can run 1 GPU on one node: p (1 core, 0 GPUs)",
    ],
  ];
  for (const [p, req, message] of cases) {
    const e = assertThrows(() => choosePartition(p, req), PartitionError, message);
    assertEquals(e instanceof UsageError, true);
  }
});

Deno.test("choosePartition: an explicit --partition must exist and fit", () => {
  const delta = profile("delta");
  assertThrows(
    () => choosePartition(delta, { cores: 1, gpus: 0 }, "gpuA100"),
    PartitionError,
    "cluster 'delta' has no partition 'gpuA100' (did you mean 'gpuA100x4'?); its partitions: " +
      "cpu (128 cores, 0 GPUs), gpuA100x4 (64 cores, 4 GPUs), ",
  );
  assertThrows(
    () => choosePartition(delta, { cores: 1, gpus: 2 }, "cpu"),
    PartitionError,
    "partition 'cpu' of cluster 'delta' cannot run 2 GPUs on one node: cpu (128 cores, 0 GPUs), ",
  );
  assertThrows(
    () => choosePartition(delta, { cores: 1, gpus: 16, nodesAllowed: true }, "gpuMI100x8"),
    PartitionError,
    "partition 'gpuMI100x8' of cluster 'delta' cannot run 16 GPUs: ",
  );
  assertThrows(
    () => choosePartition(profile("anvil"), { cores: 300, gpus: 0, nodesAllowed: true }, "shared"),
    PartitionError,
    "partition 'shared' of cluster 'anvil' cannot run 300 cores: shared (128 cores, 0 GPUs, " +
      "up to 1 node), wholenode (128 cores, 0 GPUs, up to 16 nodes),",
  );
});

Deno.test("choosePartition: a profile without partitions checks nothing", () => {
  const slurm = profile("slurm");
  assertEquals(choosePartition(slurm, { cores: 5000, gpus: 64 }), {
    nodes: 1,
    cores: 5000,
    gpus: 64,
    rounded: false,
  });
  assertEquals(choosePartition(slurm, { cores: 2, gpus: 0, memoryGB: 4 }, "debug"), {
    partitionName: "debug",
    nodes: 1,
    cores: 2,
    gpus: 0,
    memoryGB: 4,
    rounded: false,
  });
});

Deno.test("choosePartition: malformed requests are usage errors", () => {
  const delta = profile("delta");
  for (
    const req of [
      { cores: 0, gpus: 0 },
      { cores: 1.5, gpus: 0 },
      { cores: 1, gpus: -1 },
      { cores: 1, gpus: 0, memoryGB: 0 },
      { cores: 4, gpus: 0, cpusPerTask: 0 },
      { cores: 4, gpus: 0, cpusPerTask: 1.5 },
    ]
  ) {
    assertThrows(() => choosePartition(delta, req), UsageError);
  }
});

Deno.test("describePartition shows what is asked", () => {
  const p = { name: "gpu", cpusPerNode: 40, gpusPerNode: 4, maxNodes: 4, wholeNode: true };
  assertEquals(describePartition(p), "gpu (40 cores, 4 GPUs)");
  assertEquals(
    describePartition(p, { memory: true, nodes: true, wholeNode: true }),
    "gpu (40 cores, 4 GPUs, memory unknown, up to 4 nodes, whole nodes)",
  );
});

Deno.test("tasksNodes: a node holds ⌊cores per node / cores per task⌋ whole tasks (table)", () => {
  const cases: [number, number, number, number | undefined][] = [
    // [tasks, cores per task, cores per node, nodes]
    [1, 1, 64, 1],
    [64, 1, 64, 1],
    [65, 1, 64, 2],
    [3, 40, 64, 3], // 120 cores, but one 40-core task per node
    [100, 3, 128, 3], // 42 tasks per node
    [128, 3, 128, 4], // 300 cores would say 3 nodes; 42 + 42 + 42 + 2 tasks
    [2, 64, 64, 2],
    [2, 100, 64, undefined], // a task wider than a node fits nowhere
    [1, 65, 64, undefined],
  ];
  for (const [ntasks, cpt, cpn, nodes] of cases) {
    assertEquals(tasksNodes(ntasks, cpt, cpn), nodes, `${ntasks} × ${cpt} on ${cpn}`);
  }
});

Deno.test("choosePartition: nodes count whole tasks; a task wider than a node is refused", () => {
  const p: ClusterProfile = {
    name: "t",
    scheduler: "slurm",
    partitions: [
      { name: "cpu", cpusPerNode: 64, gpusPerNode: 0, maxNodes: 4 },
      { name: "big", cpusPerNode: 128, gpusPerNode: 0, maxNodes: 4 },
    ],
  };
  const cases: [PartitionRequest, string | undefined, string, number][] = [
    // [request, --partition, partition, nodes]
    [{ cores: 120, gpus: 0, nodesAllowed: true, cpusPerTask: 40 }, "cpu", "cpu", 3],
    [{ cores: 300, gpus: 0, nodesAllowed: true, cpusPerTask: 3 }, "big", "big", 3],
    [{ cores: 384, gpus: 0, nodesAllowed: true, cpusPerTask: 3 }, "big", "big", 4],
    // Chosen freely: fewest nodes (2 × 100 fits only on 128-core nodes).
    [{ cores: 200, gpus: 0, nodesAllowed: true, cpusPerTask: 100 }, undefined, "big", 2],
    [{ cores: 120, gpus: 0, nodesAllowed: true, cpusPerTask: 40 }, undefined, "big", 1],
    // Without cpusPerTask: one core per task, as before.
    [{ cores: 120, gpus: 0, nodesAllowed: true }, "cpu", "cpu", 2],
  ];
  for (const [req, wanted, partition, nodes] of cases) {
    const r = choosePartition(p, req, wanted);
    assertEquals([r.partitionName, r.nodes], [partition, nodes], JSON.stringify(req));
  }
  assertThrows(
    () => choosePartition(p, { cores: 200, gpus: 0, nodesAllowed: true, cpusPerTask: 100 }, "cpu"),
    PartitionError,
    "partition 'cpu' of cluster 't' cannot run 200 cores as 2 tasks of 100 cores, each on one " +
      "node: cpu (64 cores, 0 GPUs, up to 4 nodes), big (128 cores, 0 GPUs, up to 4 nodes)",
  );
  const small = { ...p, partitions: [p.partitions[0]] };
  const e = assertThrows(
    () => choosePartition(small, { cores: 200, gpus: 0, nodesAllowed: true, cpusPerTask: 100 }),
    PartitionError,
    "no partition of cluster 't' can run 200 cores as 2 tasks of 100 cores, each on one node: " +
      "cpu (64 cores, 0 GPUs, up to 4 nodes)",
  );
  assertEquals(e instanceof UsageError, true);
  // 3 tasks of 40 cores need 3 of these nodes: refused where only 2 are allowed.
  const two = { ...p, partitions: [{ ...p.partitions[0], maxNodes: 2 }] };
  assertThrows(
    () => choosePartition(two, { cores: 120, gpus: 0, nodesAllowed: true, cpusPerTask: 40 }),
    PartitionError,
    "no partition of cluster 't' can run 120 cores as 3 tasks of 40 cores, each on one node: ",
  );
});
