// Cluster profiles: loading and merging, validation errors, detection precedence.
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { UsageError } from "../../src/errors.ts";
import {
  defaultUserFile,
  detectCluster,
  pathWhich,
  type Which,
} from "../../src/scheduler/clusters.ts";
import { loadProfiles } from "../../src/scheduler/profile_files.ts";
import { BUILTIN_PROFILES, MACHINE_PROFILES } from "../../src/scheduler/profiles.ts";
import { parseYaml } from "../../src/workspace/yaml.ts";
import type { ClusterProfile } from "../../src/scheduler/types.ts";

const NO_FILE = "/nonexistent/flow/clusters.yaml";
const yaml = (text: string) => parseYaml(text, "flow.yaml");
const byName = (ps: ClusterProfile[], name: string) => ps.find((p) => p.name === name);

Deno.test("built-in profiles: generic ones without partitions, machines labelled and valid", () => {
  const ps = loadProfiles({ userFile: NO_FILE });
  assertEquals(ps.map((p) => p.name).slice(0, 4), ["slurm", "pbs", "lsf", "local"]);
  for (const name of ["slurm", "pbs", "lsf", "local"]) {
    assertEquals(byName(ps, name)?.partitions, [], name);
  }
  for (const name of ["frontier", "delta", "anvil", "expanse", "greatlakes"]) {
    const p = byName(ps, name);
    assert(p && p.partitions.length > 0, name);
    assert(p.description?.includes("2025"), name);
    assertEquals(p.partitions.filter((q) => q.default).length, 1, `${name}: one default`);
    // Each built-in profile passes the same validation as a user's.
    const again = loadProfiles({ userFile: NO_FILE, workflowClusters: { [name]: toYaml(p) } });
    assertEquals(byName(again, name), p, name);
  }
  const frontier = byName(ps, "frontier")!;
  assertEquals(frontier.partitions[0], {
    name: "batch",
    cpusPerNode: 56,
    gpusPerNode: 8,
    memoryPerNodeGB: 512,
    maxNodes: 9408,
    wholeNode: true,
    default: true,
  });
  assertEquals(byName(ps, "greatlakes")?.gpuDirective, "gres");
});

/** A profile as the YAML map form would give it (no name key). */
function toYaml(p: ClusterProfile): Record<string, unknown> {
  const { name: _name, ...rest } = p;
  return rest;
}

Deno.test("loadProfiles returns copies: changing them leaves the built-ins alone", () => {
  const ps = loadProfiles({ userFile: NO_FILE });
  byName(ps, "delta")!.partitions.length = 0;
  assert(MACHINE_PROFILES.find((p) => p.name === "delta")!.partitions.length > 0);
  assertEquals(loadProfiles({ userFile: NO_FILE }).length, BUILTIN_PROFILES.length);
});

Deno.test("merge: user file, flow.yaml; fields given replace, partitions as a whole", async () => {
  await withTempDir((dir) => {
    const file = `${dir}/clusters.yaml`;
    Deno.writeTextFileSync(
      file,
      `
delta:
  account: from-user
  setup: [module load cuda]
lab:
  scheduler: pbs
  description: the lab's cluster
  partitions:
    - {name: small, cpusPerNode: 16}
    - {name: big, cpusPerNode: 64, gpusPerNode: 2, memoryPerNodeGB: 512.0, default: true}
`,
    );
    const ps = loadProfiles({
      userFile: file,
      workflowClusters: yaml(`
delta:
  account: from-flow-yaml
lab:
  partitions:
    only: {cpusPerNode: 8, maxNodes: 4, wholeNode: true}
newone:
  scheduler: lsf
`),
    });
    const delta = byName(ps, "delta")!;
    assertEquals(delta.account, "from-flow-yaml");
    assertEquals(delta.setup, ["module load cuda"]);
    assertEquals(delta.scheduler, "slurm");
    assertEquals(delta.partitions.length, 5, "partitions not given: kept");
    const lab = byName(ps, "lab")!;
    assertEquals(lab.scheduler, "pbs");
    assertEquals(lab.description, "the lab's cluster");
    assertEquals(lab.partitions, [
      { name: "only", cpusPerNode: 8, gpusPerNode: 0, maxNodes: 4, wholeNode: true },
    ]);
    assertEquals(byName(ps, "newone"), { name: "newone", scheduler: "lsf", partitions: [] });
    assertEquals(ps.slice(-2).map((p) => p.name), ["lab", "newone"]);
  });
});

Deno.test("the user's file: a clusters: wrapper, an empty file, and the HOME default", async () => {
  await withTempDir((dir) => {
    const file = `${dir}/c.yaml`;
    Deno.writeTextFileSync(file, "clusters:\n  mine: {scheduler: slurm}\n");
    assert(byName(loadProfiles({ userFile: file }), "mine"));
    Deno.writeTextFileSync(file, "");
    assertEquals(loadProfiles({ userFile: file }).length, BUILTIN_PROFILES.length);
    // A memory given as a float (512.0) or an int is a number either way.
    Deno.writeTextFileSync(
      file,
      "m: {scheduler: slurm, partitions: {p: {cpusPerNode: 4, memoryPerNodeGB: 8.0}}}",
    );
    assertEquals(byName(loadProfiles({ userFile: file }), "m")?.partitions[0].memoryPerNodeGB, 8);
  });
  assertEquals(defaultUserFile({ HOME: "/home/ann/" }), "/home/ann/.config/flow/clusters.yaml");
  assertEquals(defaultUserFile({}), undefined);
});

Deno.test("validation errors name the file and the key, with did-you-mean", async () => {
  const cases: [string, string][] = [
    [
      "delta: {acount: x}",
      "flow.yaml: clusters.delta: unknown key 'acount' (did you mean 'account'?)",
    ],
    [
      "x: {scheduler: slrum}",
      "clusters.x.scheduler: unknown scheduler 'slrum' (did you mean 'slurm'?)",
    ],
    ["x: {partitions: []}", "clusters.x: a new cluster profile needs 'scheduler'"],
    ["x: [1]", "clusters.x: expected a map"],
    ["- a", "clusters: expected a map of cluster name to profile, got a list"],
    [
      "x: {scheduler: slurm, partitions: {p: {cpus: 4}}}",
      "clusters.x.partitions.p: unknown key 'cpus' (did you mean 'cpusPerNode'?)",
    ],
    [
      "x: {scheduler: slurm, partitions: {p: {gpusPerNode: 4}}}",
      "clusters.x.partitions.p: a partition needs 'cpusPerNode'",
    ],
    [
      "x: {scheduler: slurm, partitions: {p: {cpusPerNode: 0}}}",
      "clusters.x.partitions.p.cpusPerNode: expected an integer of at least 1, got the number 0",
    ],
    [
      "x: {scheduler: slurm, partitions: {p: {cpusPerNode: 4.0}}}",
      "cpusPerNode: expected an integer of at least 1, got the number 4.0",
    ],
    [
      "x: {scheduler: slurm, partitions: [{cpusPerNode: 4}]}",
      "clusters.x.partitions[0]: a partition needs 'name'",
    ],
    [
      "x: {scheduler: slurm, partitions: [{name: a, cpusPerNode: 4}, {name: a, cpusPerNode: 2}]}",
      "clusters.x.partitions[1]: partition 'a' given twice",
    ],
    [
      "x: {scheduler: slurm, partitions: {a: {cpusPerNode: 4, default: true}, " +
      "b: {cpusPerNode: 4, default: true}}}",
      "only one partition may be the default ('a' is)",
    ],
    [
      "x: {scheduler: slurm, partitions: {a: {cpusPerNode: 4, wholeNode: yes}}}",
      "wholeNode: expected true or false, got the string 'yes'",
    ],
    ["x: {scheduler: slurm, gpuDirective: gpu}", "gpuDirective: expected 'gpus' or 'gres'"],
    ["x: {scheduler: slurm, detect: {host: a}}", "unknown key 'host' (did you mean 'hostname'?)"],
    [
      "x: {scheduler: slurm, detect: {hostname: '('}}",
      "detect.hostname: invalid regular expression",
    ],
    ["x: {scheduler: slurm, detect: {env: ['A B']}}", "expected NAME or NAME=value, got 'A B'"],
    ["x: {scheduler: slurm, setup: {a: 1}}", "setup: expected a list of strings, got a map"],
    ["'bad name': {scheduler: slurm}", "clusters.bad name: a cluster name is letters"],
  ];
  for (const [text, message] of cases) {
    assertThrows(
      () => loadProfiles({ userFile: NO_FILE, workflowClusters: yaml(text) }),
      UsageError,
      message,
    );
  }
  await withTempDir((dir) => {
    const file = `${dir}/clusters.yaml`;
    Deno.writeTextFileSync(file, "delta: {partitions: {cpu: {cpusPerNode: 128, maxnodes: 2}}}\n");
    assertThrows(
      () => loadProfiles({ userFile: file }),
      UsageError,
      `${file}: delta.partitions.cpu: unknown key 'maxnodes' (did you mean 'maxNodes'?)`,
    );
    Deno.writeTextFileSync(file, "delta: {account: [\n");
    assertThrows(() => loadProfiles({ userFile: file }), UsageError, `${file}: invalid YAML`);
  });
  // A key given as null counts as not given; the flow.yaml name in messages can be set.
  const ps = loadProfiles({ userFile: NO_FILE, workflowClusters: yaml("delta: {account: null}") });
  assertEquals(byName(ps, "delta")?.account, undefined);
  assertThrows(
    () =>
      loadProfiles({
        userFile: NO_FILE,
        workflowClusters: { x: {} },
        workflowSource: "/p/flow.yaml",
      }),
    UsageError,
    "/p/flow.yaml: clusters.x: a new cluster profile needs 'scheduler'",
  );
});

const none: Which = () => undefined;
const only = (name: string): Which => (c) => (c === name ? `/opt/bin/${name}` : undefined);

Deno.test("detectCluster: precedence of --cluster, FLOW_CLUSTER, detect, PATH, local", () => {
  const ps = loadProfiles({
    userFile: NO_FILE,
    workflowClusters: yaml(`
lab: {scheduler: pbs, detect: {env: [LAB_SITE], hostname: "^lab-"}}
other: {scheduler: slurm, detect: {env: ["SITE=other"]}}
`),
  });
  const cases: {
    what: string;
    name?: string;
    env?: Record<string, string>;
    host?: string;
    which?: Which;
    expect: string;
    reason: string;
  }[] = [
    {
      what: "--cluster wins over all",
      name: "anvil",
      env: { FLOW_CLUSTER: "delta", LMOD_SYSTEM_NAME: "frontier" },
      host: "login1.frontier.olcf.ornl.gov",
      which: only("sbatch"),
      expect: "anvil",
      reason: "--cluster anvil",
    },
    {
      what: "FLOW_CLUSTER over detection",
      env: { FLOW_CLUSTER: "delta", LMOD_SYSTEM_NAME: "frontier" },
      which: only("sbatch"),
      expect: "delta",
      reason: "FLOW_CLUSTER=delta",
    },
    {
      what: "an empty FLOW_CLUSTER is not set",
      env: { FLOW_CLUSTER: "", LMOD_SYSTEM_NAME: "frontier" },
      expect: "frontier",
      reason: "LMOD_SYSTEM_NAME=frontier in the environment",
    },
    {
      what: "NAME=value must be equal",
      env: { LMOD_SYSTEM_NAME: "summit" },
      which: only("sbatch"),
      expect: "slurm",
      reason: "sbatch found at /opt/bin/sbatch",
    },
    {
      what: "host name",
      host: "login03.frontier.olcf.ornl.gov",
      which: only("sbatch"),
      expect: "frontier",
      reason: "host name 'login03.frontier.olcf.ornl.gov' matches /frontier/",
    },
    { what: "delta host", host: "dt-login02.delta.ncsa.illinois.edu", expect: "delta", reason: "" },
    { what: "anvil host", host: "login04.anvil.rcac.purdue.edu", expect: "anvil", reason: "" },
    { what: "expanse compute", host: "exp-9-55", expect: "expanse", reason: "" },
    { what: "greatlakes", host: "gl-login1.arc-ts.umich.edu", expect: "greatlakes", reason: "" },
    {
      what: "a variable that is set",
      env: { LAB_SITE: "1" },
      expect: "lab",
      reason: "LAB_SITE is set",
    },
    { what: "user hostname", host: "lab-07", expect: "lab", reason: "" },
    { what: "SITE=other", env: { SITE: "other" }, expect: "other", reason: "" },
    { what: "qsub", which: only("qsub"), expect: "pbs", reason: "qsub found at /opt/bin/qsub" },
    { what: "bsub", which: only("bsub"), expect: "lsf", reason: "bsub found at /opt/bin/bsub" },
    {
      what: "sbatch before qsub",
      which: (c) => (c === "bsub" ? undefined : `/x/${c}`),
      expect: "slurm",
      reason: "sbatch found at /x/sbatch",
    },
    {
      what: "nothing: local",
      expect: "local",
      reason: "no batch system client (sbatch, qsub, bsub) on PATH",
    },
  ];
  for (const c of cases) {
    const d = detectCluster(ps, {
      name: c.name,
      env: c.env ?? {},
      hostname: c.host ?? "workstation",
      which: c.which ?? none,
    });
    assertEquals(d.profile.name, c.expect, c.what);
    if (c.reason) assertEquals(d.reason, c.reason, c.what);
    // Only local found for want of anything else is a fallback (flow submit says so).
    assertEquals(d.fallback === true, c.what === "nothing: local", c.what);
  }
});

Deno.test("detectCluster: unknown names are usage errors with did-you-mean", () => {
  const ps = loadProfiles({ userFile: NO_FILE });
  const opts = { env: {}, hostname: "h", which: none };
  assertThrows(
    () => detectCluster(ps, { ...opts, name: "detla" }),
    UsageError,
    "--cluster: unknown cluster 'detla' (did you mean 'delta'?)",
  );
  assertThrows(
    () => detectCluster(ps, { ...opts, env: { FLOW_CLUSTER: "frontire" } }),
    UsageError,
    "FLOW_CLUSTER: unknown cluster 'frontire' (did you mean 'frontier'?)",
  );
  assertThrows(
    () => detectCluster(ps, { ...opts, name: "zzzzzzzz" }),
    UsageError,
    "unknown cluster 'zzzzzzzz' (known: slurm, pbs, lsf, local, frontier,",
  );
});

Deno.test("pathWhich finds executables on a PATH value, and only executables", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/sbatch`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/sbatch`, 0o755);
    Deno.writeTextFileSync(`${dir}/qsub`, "not executable");
    Deno.chmodSync(`${dir}/qsub`, 0o644);
    Deno.mkdirSync(`${dir}/bsub`);
    const which = pathWhich(`/nonexistent::${dir}`);
    assertEquals(which("sbatch"), `${dir}/sbatch`);
    assertEquals(which("qsub"), undefined);
    assertEquals(which("bsub"), undefined);
    const ps = loadProfiles({ userFile: NO_FILE });
    const d = detectCluster(ps, { env: { PATH: dir }, hostname: "ws" });
    assertEquals([d.profile.name, d.reason], ["slurm", `sbatch found at ${dir}/sbatch`]);
  });
});
