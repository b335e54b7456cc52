// End-to-end: `flow resources` prints what was detected and where it came from.
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";

const FAKE_NVIDIA_SMI = new URL("../fixtures/fake-nvidia-smi", import.meta.url).pathname;
// flow() can set variables but not unset them, and a visible-device variable inherited from
// the test's own environment (a GPU node) would win over the fake nvidia-smi.
const INHERITS_GPU_VARIABLE = [
  "CUDA_VISIBLE_DEVICES",
  "ROCR_VISIBLE_DEVICES",
  "HIP_VISIBLE_DEVICES",
]
  .some((v) => Deno.env.get(v) !== undefined);

/**
 * Runs `flow resources ARGS` with a fake nvidia-smi (FAKE_GPUS of them) first on PATH and none
 * of the variables that would otherwise decide, unless `env` sets them.
 */
async function resources(args: string[], env: Record<string, string> = {}) {
  return await withTempDir(async (dir) => {
    Deno.copyFileSync(FAKE_NVIDIA_SMI, `${dir}/nvidia-smi`);
    Deno.chmodSync(`${dir}/nvidia-smi`, 0o755);
    const cleared: Record<string, string> = {};
    for (
      const name of [
        "FLOW_CPUS",
        "FLOW_GPUS",
        "SLURM_CPUS_ON_NODE",
        "SLURM_JOB_CPUS_PER_NODE",
        "NCPUS",
        "PBS_NUM_PPN",
        "PBS_NP",
        "LSB_DJOB_NUMPROC",
      ]
    ) cleared[name] = "";
    return await flow(["resources", ...args], {
      cwd: dir,
      env: { PATH: `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`, ...cleared, ...env },
    });
  });
}

Deno.test("flow resources: CUDA_VISIBLE_DEVICES=2,3 wins over nvidia-smi", async () => {
  const r = await resources([], { CUDA_VISIBLE_DEVICES: "2,3", FAKE_GPUS: "8" });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, "gpus:   2  [2, 3]  (CUDA_VISIBLE_DEVICES)");
  assertStringIncludes(r.stdout, "vendor: nvidia");
  const j = await resources(["--json"], { CUDA_VISIBLE_DEVICES: "2,3" });
  assertEquals(j.code, 0, j.stderr);
  const parsed = JSON.parse(j.stdout);
  assertEquals([parsed.gpus, parsed.gpuSource, parsed.vendor], [
    ["2", "3"],
    "CUDA_VISIBLE_DEVICES",
    "nvidia",
  ]);
});

Deno.test({
  name: "flow resources: FLOW_CPUS=3; GPUs from the fake nvidia-smi",
  ignore: INHERITS_GPU_VARIABLE,
}, async () => {
  const r = await resources(["--json"], { FLOW_CPUS: "3", FAKE_GPUS: "4" });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout), {
    cpus: 3,
    cpuSource: "FLOW_CPUS",
    gpus: ["0", "1", "2", "3"],
    gpuSource: "nvidia-smi -L",
    vendor: "nvidia",
  });
  const text = await resources([], { FLOW_CPUS: "3" });
  assertStringIncludes(text.stdout, "cpus:   3  (FLOW_CPUS)");
});

Deno.test("flow resources: --cpus and --gpus override the environment", async () => {
  const r = await resources(["--cpus", "5", "--gpus", "1,3", "--json"], {
    FLOW_CPUS: "3",
    CUDA_VISIBLE_DEVICES: "0,1,2,3",
  });
  assertEquals(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout);
  assertEquals([parsed.cpus, parsed.cpuSource, parsed.gpus, parsed.gpuSource], [
    5,
    "--cpus",
    ["1", "3"],
    "--gpus",
  ]);
});

Deno.test("flow resources: malformed values are one-line usage errors naming the source", async () => {
  const cases: [string[], Record<string, string>, string][] = [
    [[], { FLOW_CPUS: "abc" }, "flow: error: FLOW_CPUS must be a whole number of processors >= 1"],
    [["--cpus", "0"], {}, "flow: error: --cpus must be a whole number of processors >= 1, got '0'"],
    [["--gpus", "x,,y"], {}, "flow: error: --gpus has an empty device id in 'x,,y'"],
    [[], { CUDA_VISIBLE_DEVICES: "0,,1" }, "flow: error: CUDA_VISIBLE_DEVICES has an empty"],
  ];
  for (const [args, env, message] of cases) {
    const r = await resources(args, env);
    assertEquals(r.code, 2, `${args} ${JSON.stringify(env)}: ${r.stdout}`);
    assertStringIncludes(r.stderr, message);
    assertEquals(r.stderr.trim().split("\n").length, 1);
  }
});

Deno.test("flow resources --help shows the sources and examples", async () => {
  const r = await flow(["resources", "--help"]);
  assertEquals(r.code, 0);
  for (
    const s of ["--cpus <n>", "--gpus <list|n>", "--json", "CUDA_VISIBLE_DEVICES", "Examples:"]
  ) {
    assertStringIncludes(r.stdout, s);
  }
});
