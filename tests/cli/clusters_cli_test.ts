// End-to-end: `flow clusters` shows the detected cluster and why, and the known profiles.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";
import { matchDetect } from "../../src/scheduler/clusters.ts";
import { loadProfiles } from "../../src/scheduler/profile_files.ts";

const USER_FILE = `
mylab:
  scheduler: slurm
  description: the lab cluster
  account: lab-acct
  partitions:
    cpu: {cpusPerNode: 48, gpusPerNode: 0, memoryPerNodeGB: 192, maxNodes: 4, default: true}
    gpu: {cpusPerNode: 32, gpusPerNode: 4, wholeNode: true}
delta:
  account: from-home
`;

/** Runs `flow clusters ARGS` with HOME at a temp dir holding the user's clusters.yaml. */
async function clusters(
  args: string[],
  options: { env?: Record<string, string>; userFile?: string; cwd?: (dir: string) => string } = {},
) {
  return await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/home/.config/flow`, { recursive: true });
    Deno.mkdirSync(`${dir}/bin`);
    Deno.writeTextFileSync(`${dir}/home/.config/flow/clusters.yaml`, options.userFile ?? USER_FILE);
    return await flow(["clusters", ...args], {
      cwd: options.cwd?.(dir) ?? dir,
      env: {
        HOME: `${dir}/home`,
        PATH: `${dir}/bin`,
        FLOW_CLUSTER: "",
        LMOD_SYSTEM_NAME: "",
        ...options.env,
      },
    });
  });
}

/** A `cwd` for {@link clusters}: a project under the temporary folder whose flow.yaml is `text`. */
function inProject(text: string): (dir: string) => string {
  return (dir) => {
    Deno.mkdirSync(`${dir}/proj/.signac`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/proj/.signac/config`, "schema_version = 2\n");
    Deno.writeTextFileSync(`${dir}/proj/flow.yaml`, text);
    return `${dir}/proj`;
  };
}

Deno.test("flow clusters: FLOW_CLUSTER picks a profile of the user's clusters.yaml", async () => {
  const r = await clusters([], { env: { FLOW_CLUSTER: "mylab" } });
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^cluster: mylab \(FLOW_CLUSTER=mylab\)\n {2}the lab cluster\n/);
  assertStringIncludes(r.stdout, "  account: lab-acct\n");
  assertStringIncludes(r.stdout, "    cpu (48 cores, 0 GPUs, 192 GB, up to 4 nodes) default\n");
  assertStringIncludes(
    r.stdout,
    "    gpu (32 cores, 4 GPUs, memory unknown, up to 1 node, whole nodes)\n",
  );
  assertMatch(r.stdout, /\n\* mylab +slurm +cpu\* 48c, gpu 32c\/4g\n/);
  assertMatch(r.stdout, /\n {2}delta +slurm +cpu\* 128c, gpuA100x4 64c\/4g/);
  for (const name of ["slurm", "pbs", "lsf", "local", "frontier", "anvil", "expanse"]) {
    assertMatch(r.stdout, new RegExp(`\\n  ${name} `), name);
  }
});

Deno.test("flow clusters --json: detected name and reason, merged profiles", async () => {
  const r = await clusters(["--json", "--cluster", "delta"], { env: { FLOW_CLUSTER: "mylab" } });
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals(j.detected, { name: "delta", reason: "--cluster delta" });
  const delta = j.profiles.find((p: { name: string }) => p.name === "delta");
  assertEquals(delta.account, "from-home");
  assertEquals(delta.partitions[0].name, "cpu");
  assertEquals(j.profiles.at(-1).name, "mylab");
});

Deno.test("flow clusters: detection falls back to the client on PATH, then local", async () => {
  const profiles = loadProfiles({ userFile: "/nonexistent" });
  let host = "";
  try {
    host = Deno.hostname();
  } catch { /* unknown */ }
  if (matchDetect(profiles, {}, host)) return; // This machine is one of the built-in ones.
  const local = await clusters([]);
  assertEquals(local.code, 0, local.stderr);
  assertStringIncludes(
    local.stdout,
    "cluster: local (no batch system client (sbatch, qsub, bsub) on PATH)\n",
  );
  const withQsub = await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/qsub`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/qsub`, 0o755);
    return await flow(["clusters"], {
      cwd: dir,
      env: { HOME: dir, PATH: dir, FLOW_CLUSTER: "", LMOD_SYSTEM_NAME: "" },
    });
  });
  assertEquals(withQsub.code, 0, withQsub.stderr);
  assertStringIncludes(withQsub.stdout, `cluster: pbs (qsub found at `);
  // A detection variable wins over PATH.
  const frontier = await clusters([], { env: { LMOD_SYSTEM_NAME: "frontier" } });
  assertStringIncludes(
    frontier.stdout,
    "cluster: frontier (LMOD_SYSTEM_NAME=frontier in the environment)\n",
  );
});

Deno.test("flow clusters: the project's flow.yaml clusters: override the user's", async () => {
  const r = await clusters(["--json"], {
    env: { FLOW_CLUSTER: "mylab" },
    cwd: (dir) => {
      Deno.mkdirSync(`${dir}/proj/.signac`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/proj/.signac/config`, "schema_version = 2\n");
      Deno.writeTextFileSync(
        `${dir}/proj/flow.yaml`,
        "operations: {}\nclusters:\n  mylab: {account: from-project}\n",
      );
      Deno.mkdirSync(`${dir}/proj/sub`);
      return `${dir}/proj/sub`;
    },
  });
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const mylab = j.profiles.find((p: { name: string }) => p.name === "mylab");
  assertEquals([mylab.account, mylab.partitions.length], ["from-project", 2]);
});

Deno.test("flow clusters reads flow.yaml's clusters: from its parse cache while it is unchanged", async () => {
  await withTempDir(async (dir) => {
    const r0 = await flow(["init", `${dir}/p`]);
    assertEquals(r0.code, 0, r0.stderr);
    const text = "operations: {}\nclusters:\n  mylab:\n    scheduler: slurm\n" +
      "    account: from-project\n" +
      "    partitions: {cpu: {cpusPerNode: 8, gpusPerNode: 0, memoryPerNodeGB: 1.5, maxNodes: 4}}\n";
    Deno.writeTextFileSync(`${dir}/p/flow.yaml`, text);
    const env = { HOME: `${dir}/home`, PATH: `${dir}/bin`, FLOW_CLUSTER: "mylab" };
    const profiles = async () => {
      const r = await flow(["clusters", "--json"], { cwd: `${dir}/p`, env });
      assertEquals(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).profiles as { name: string; account?: string }[];
    };
    const parsed = await profiles(); // no cache yet: the YAML parser reads it
    const cache = `${dir}/p/.flow/flow-yaml.cache`;
    const st = await flow(["status"], { cwd: `${dir}/p`, env });
    assertEquals(st.code, 0, st.stderr);
    assert(Deno.readTextFileSync(cache).includes("from-project"));
    // From the cache: the same profiles, numbers included.
    assertEquals(await profiles(), parsed);
    // Only a value read from the cache can say this.
    Deno.writeTextFileSync(
      cache,
      Deno.readTextFileSync(cache).replace('"from-project"', '"from-the-cache"'),
    );
    const mylab = async () => (await profiles()).find((p) => p.name === "mylab")?.account;
    assertEquals(await mylab(), "from-the-cache");
    // Any change of the file: parsed again.
    Deno.writeTextFileSync(`${dir}/p/flow.yaml`, text + "# edited\n");
    assertEquals(await mylab(), "from-project");
  });
});

Deno.test("flow clusters: errors are one line with exit code 2", async () => {
  const unknown = await clusters(["--cluster", "mylba"]);
  assertEquals(unknown.code, 2);
  assertEquals(
    unknown.stderr,
    "flow: error: --cluster: unknown cluster 'mylba' (did you mean 'mylab'?)\n",
  );
  const env = await clusters([], { env: { FLOW_CLUSTER: "detla" } });
  assertEquals(env.code, 2);
  assertStringIncludes(env.stderr, "FLOW_CLUSTER: unknown cluster 'detla' (did you mean 'delta'?)");
  const bad = await clusters([], { userFile: "mylab: {scheduler: slurm, acount: x}\n" });
  assertEquals(bad.code, 2);
  assertMatch(
    bad.stderr,
    new RegExp(
      "^flow: error: \\S+/home/\\.config/flow/clusters\\.yaml: mylab: " +
        "unknown key 'acount' \\(did you mean 'account'\\?\\)\n$",
    ),
  );
});

Deno.test("flow clusters: a problem in flow.yaml's clusters: is shown at its line and column", async () => {
  const yaml = [
    "operations: {}",
    "clusters:",
    "  my.lab:",
    "    scheduler: slrum",
    "  other:",
    "    scheduler: slurm",
    "    partitions:",
    "      gpu: {cpusPerNod: 4}",
  ].join("\n") + "\n";
  const r = await clusters([], { cwd: inProject(yaml) });
  assertEquals(r.code, 2);
  assertMatch(
    r.stderr,
    /^flow: error: \S+\/proj\/flow\.yaml:4:16: clusters\.my\.lab\.scheduler: unknown scheduler 'slrum' \(did you mean 'slurm'\?\)\n$/,
  );
  const key = await clusters([], { cwd: inProject(yaml.replace("slrum", "slurm")) });
  assertEquals(key.code, 2);
  assertMatch(
    key.stderr,
    /^flow: error: \S+\/proj\/flow\.yaml:8:13: clusters\.other\.partitions\.gpu: unknown key 'cpusPerNod'/,
  );
});

Deno.test("flow clusters --help shows the rules and examples", async () => {
  const h = await flow(["clusters", "--help"]);
  assertEquals(h.code, 0);
  for (const s of ["--cluster <name>", "--json", "FLOW_CLUSTER", "clusters.yaml", "Examples:"]) {
    assertStringIncludes(h.stdout, s);
  }
  assert(h.stdout.includes('detect: {hostname: "\\\\.mycluster\\\\.edu$"}'), h.stdout);
});

Deno.test("flow clusters: the project's flow.yaml is held to the workflow loader's limits", async () => {
  // Over 1 MiB (a comment, so only the size is wrong): refused before it is parsed.
  const big = await clusters([], {
    cwd: inProject(`operations: {}\n#${"x".repeat(1024 * 1024)}\n`),
  });
  assertEquals(big.code, 2, big.stderr);
  assertMatch(big.stderr, /^flow: error: \S+\/proj\/flow\.yaml: the file is larger than 1 MiB/);
  assertEquals(big.stderr.split("\n").length, 2, big.stderr);
  // An alias bomb under clusters: refused by the alias limit, in one line.
  const lol = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lol.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  const bomb = await clusters([], {
    cwd: inProject(
      `operations: {}\nclusters:\n  mylab:\n    x:\n${lol.map((l) => `      ${l}`).join("\n")}\n`,
    ),
  });
  assertEquals(bomb.code, 2, bomb.stderr);
  assertEquals(bomb.stderr.split("\n").length, 2, bomb.stderr);
  assertStringIncludes(bomb.stderr, "flow.yaml");
});
