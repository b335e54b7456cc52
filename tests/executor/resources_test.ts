// Detection of CPUs and GPUs: precedence, parsing, errors, the probes, the visible-device variables.
import { assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { UsageError } from "../../src/errors.ts";
import {
  type CommandRunner,
  type DetectOptions,
  detectResources,
  formatResources,
  parseNvidiaSmiList,
  parseRocmSmiIds,
  type Resources,
  visibleDevicesEnv,
} from "../../src/executor/resources.ts";

const FAKE_NVIDIA_SMI = new URL("../fixtures/fake-nvidia-smi", import.meta.url).pathname;
const HW = navigator.hardwareConcurrency;
const HW_SOURCE = "hardware: navigator.hardwareConcurrency";

/** A probe runner that answers from a table and records what was asked. */
function fakeRunner(answers: Record<string, { code: number; stdout: string } | "throw"> = {}): {
  run: CommandRunner;
  calls: string[];
} {
  const calls: string[] = [];
  const run: CommandRunner = (cmd, args) => {
    const line = [cmd, ...args].join(" ");
    calls.push(line);
    const a = answers[line];
    if (a === "throw") return Promise.reject(new Error("boom"));
    return Promise.resolve(a ?? { code: 127, stdout: "" });
  };
  return { run, calls };
}

const SMI4 = {
  code: 0,
  stdout: [0, 1, 2, 3].map((i) => `GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i}abc)`).join(
    "\n",
  ),
};
const ROCM2 = {
  code: 0,
  stdout: "===== ROCm System Management Interface =====\n==== ID ====\n" +
    "GPU[0]\t\t: GPU ID: 0x740f\nGPU[1]\t\t: GPU ID: 0x740f\n===== End of ROCm SMI Log =====\n",
};

interface Case {
  name: string;
  options?: Omit<DetectOptions, "env" | "runCommand">;
  env?: Record<string, string>;
  probes?: Record<string, { code: number; stdout: string } | "throw">;
  cpus?: [number, string];
  gpus?: [string[], string, Resources["vendor"]];
  probed?: string[];
}

const CASES: Case[] = [
  // CPUs: precedence.
  {
    name: "--cpus beats everything",
    options: { cpus: 5 },
    env: { FLOW_CPUS: "3" },
    cpus: [5, "--cpus"],
  },
  {
    name: "FLOW_CPUS beats the scheduler",
    env: { FLOW_CPUS: "3", SLURM_CPUS_ON_NODE: "16" },
    cpus: [3, "FLOW_CPUS"],
  },
  { name: "FLOW_CPUS with blanks", env: { FLOW_CPUS: " 12 " }, cpus: [12, "FLOW_CPUS"] },
  { name: "an empty FLOW_CPUS is unset", env: { FLOW_CPUS: "" }, cpus: [HW, HW_SOURCE] },
  {
    name: "SLURM_CPUS_ON_NODE beats SLURM_JOB_CPUS_PER_NODE and PBS",
    env: { SLURM_CPUS_ON_NODE: "16", SLURM_JOB_CPUS_PER_NODE: "8(x2)", NCPUS: "4" },
    cpus: [16, "SLURM_CPUS_ON_NODE"],
  },
  {
    name: "SLURM_JOB_CPUS_PER_NODE: first value of 4(x2),2",
    env: { SLURM_JOB_CPUS_PER_NODE: "4(x2),2" },
    cpus: [4, "SLURM_JOB_CPUS_PER_NODE"],
  },
  {
    name: "SLURM_JOB_CPUS_PER_NODE: a plain number",
    env: { SLURM_JOB_CPUS_PER_NODE: "36" },
    cpus: [36, "SLURM_JOB_CPUS_PER_NODE"],
  },
  {
    name: "PBS Pro NCPUS beats Torque",
    env: { NCPUS: "8", PBS_NP: "12" },
    cpus: [8, "NCPUS"],
  },
  {
    name: "Torque PBS_NUM_PPN beats PBS_NP",
    env: { PBS_NUM_PPN: "6", PBS_NP: "12" },
    cpus: [6, "PBS_NUM_PPN"],
  },
  { name: "Torque PBS_NP", env: { PBS_NP: "12" }, cpus: [12, "PBS_NP"] },
  { name: "LSF", env: { LSB_DJOB_NUMPROC: "7" }, cpus: [7, "LSB_DJOB_NUMPROC"] },
  { name: "hardware when nothing is set", env: {}, cpus: [HW, HW_SOURCE] },
  // GPUs: --gpus and FLOW_GPUS.
  {
    name: "--gpus list; vendor from the probe (none answers: nvidia)",
    options: { gpus: "0,2" },
    gpus: [["0", "2"], "--gpus", "nvidia"],
    probed: ["nvidia-smi -L", "rocm-smi --showid"],
  },
  {
    name: "--gpus count N means 0..N-1",
    options: { gpus: "3" },
    probes: { "nvidia-smi -L": SMI4 },
    gpus: [["0", "1", "2"], "--gpus", "nvidia"],
    probed: ["nvidia-smi -L"],
  },
  {
    name: "--gpus one device: trailing comma",
    options: { gpus: "2," },
    gpus: [["2"], "--gpus", "nvidia"],
  },
  {
    name: "--gpus UUIDs",
    options: { gpus: "GPU-aa11,GPU-bb22" },
    gpus: [["GPU-aa11", "GPU-bb22"], "--gpus", "nvidia"],
  },
  { name: "--gpus 0 is none", options: { gpus: "0" }, gpus: [[], "--gpus", "none"], probed: [] },
  { name: "--gpus none", options: { gpus: "none" }, gpus: [[], "--gpus", "none"], probed: [] },
  {
    name: "--gpus beats FLOW_GPUS and CUDA_VISIBLE_DEVICES",
    options: { gpus: "1," },
    env: { FLOW_GPUS: "0,1,2", CUDA_VISIBLE_DEVICES: "0,1" },
    gpus: [["1"], "--gpus", "nvidia"],
    probed: [],
  },
  {
    name: "FLOW_GPUS list beats CUDA_VISIBLE_DEVICES",
    env: { FLOW_GPUS: "5,6", CUDA_VISIBLE_DEVICES: "0" },
    gpus: [["5", "6"], "FLOW_GPUS", "nvidia"],
  },
  {
    name: "FLOW_GPUS count takes the first N of CUDA_VISIBLE_DEVICES",
    env: { FLOW_GPUS: "2", CUDA_VISIBLE_DEVICES: "4,5,6" },
    gpus: [["4", "5"], "FLOW_GPUS: the first 2 of CUDA_VISIBLE_DEVICES", "nvidia"],
    probed: [],
  },
  {
    name: "FLOW_GPUS on AMD: vendor from ROCR_VISIBLE_DEVICES",
    env: { FLOW_GPUS: "1", ROCR_VISIBLE_DEVICES: "2,3" },
    gpus: [["2"], "FLOW_GPUS: the first 1 of ROCR_VISIBLE_DEVICES", "amd"],
  },
  {
    name: "--gpus on AMD without variables: vendor from rocm-smi",
    options: { gpus: "2" },
    probes: { "rocm-smi --showid": ROCM2 },
    gpus: [["0", "1"], "--gpus", "amd"],
  },
  // GPUs: inherited visible sets.
  {
    name: "CUDA_VISIBLE_DEVICES beats nvidia-smi",
    env: { CUDA_VISIBLE_DEVICES: "2,3" },
    probes: { "nvidia-smi -L": SMI4 },
    gpus: [["2", "3"], "CUDA_VISIBLE_DEVICES", "nvidia"],
    probed: [],
  },
  {
    name: "CUDA_VISIBLE_DEVICES empty: none",
    env: { CUDA_VISIBLE_DEVICES: "" },
    probes: { "nvidia-smi -L": SMI4 },
    gpus: [[], "CUDA_VISIBLE_DEVICES (empty)", "none"],
    probed: [],
  },
  {
    name: "CUDA_VISIBLE_DEVICES=-1: none",
    env: { CUDA_VISIBLE_DEVICES: "-1" },
    gpus: [[], "CUDA_VISIBLE_DEVICES (empty)", "none"],
  },
  {
    name: "CUDA_VISIBLE_DEVICES=NoDevFiles: none",
    env: { CUDA_VISIBLE_DEVICES: "NoDevFiles" },
    gpus: [[], "CUDA_VISIBLE_DEVICES (empty)", "none"],
  },
  {
    name: "CUDA_VISIBLE_DEVICES: a -1 hides what follows",
    env: { CUDA_VISIBLE_DEVICES: "0,-1,2" },
    gpus: [["0"], "CUDA_VISIBLE_DEVICES", "nvidia"],
  },
  {
    name: "CUDA_VISIBLE_DEVICES UUIDs and MIG ids",
    env: { CUDA_VISIBLE_DEVICES: "GPU-8f3c1a2b,MIG-GPU-8f3c1a2b/1/0" },
    gpus: [["GPU-8f3c1a2b", "MIG-GPU-8f3c1a2b/1/0"], "CUDA_VISIBLE_DEVICES", "nvidia"],
  },
  {
    name: "ROCR_VISIBLE_DEVICES",
    env: { ROCR_VISIBLE_DEVICES: "1,3" },
    gpus: [["1", "3"], "ROCR_VISIBLE_DEVICES", "amd"],
  },
  {
    name: "HIP_VISIBLE_DEVICES alone",
    env: { HIP_VISIBLE_DEVICES: "2" },
    gpus: [["2"], "HIP_VISIBLE_DEVICES", "amd"],
  },
  {
    name: "HIP_VISIBLE_DEVICES counts within ROCR_VISIBLE_DEVICES",
    env: { ROCR_VISIBLE_DEVICES: "4,5,6", HIP_VISIBLE_DEVICES: "1,2" },
    gpus: [["5", "6"], "ROCR_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES", "amd"],
  },
  // GPUs: probes.
  {
    name: "nvidia-smi -L",
    probes: { "nvidia-smi -L": SMI4 },
    gpus: [["0", "1", "2", "3"], "nvidia-smi -L", "nvidia"],
    probed: ["nvidia-smi -L"],
  },
  {
    name: "nvidia-smi -L with MIG lines lists the GPUs",
    probes: {
      "nvidia-smi -L": {
        code: 0,
        stdout: "GPU 0: NVIDIA A100 (UUID: GPU-a)\n  MIG 1g.5gb Device 0: (UUID: MIG-x)\n" +
          "GPU 1: NVIDIA A100 (UUID: GPU-b)\n",
      },
    },
    gpus: [["0", "1"], "nvidia-smi -L", "nvidia"],
  },
  {
    name: "nvidia-smi failing: rocm-smi",
    probes: {
      "nvidia-smi -L": { code: 9, stdout: "NVIDIA-SMI has failed" },
      "rocm-smi --showid": ROCM2,
    },
    gpus: [["0", "1"], "rocm-smi --showid", "amd"],
    probed: ["nvidia-smi -L", "rocm-smi --showid"],
  },
  {
    name: "nvidia-smi listing none: rocm-smi",
    probes: {
      "nvidia-smi -L": { code: 0, stdout: "No devices found.\n" },
      "rocm-smi --showid": ROCM2,
    },
    gpus: [["0", "1"], "rocm-smi --showid", "amd"],
  },
  {
    name: "probes that throw count as absent",
    probes: { "nvidia-smi -L": "throw", "rocm-smi --showid": "throw" },
    gpus: [
      [],
      "none found: no visible-device variable, and nvidia-smi and rocm-smi list none",
      "none",
    ],
  },
  {
    name: "nothing at all",
    gpus: [
      [],
      "none found: no visible-device variable, and nvidia-smi and rocm-smi list none",
      "none",
    ],
    probed: ["nvidia-smi -L", "rocm-smi --showid"],
  },
];

for (const c of CASES) {
  Deno.test(`detectResources: ${c.name}`, async () => {
    const { run, calls } = fakeRunner(c.probes);
    const r = await detectResources({ ...c.options, env: c.env ?? {}, runCommand: run });
    if (c.cpus) assertEquals([r.cpus, r.cpuSource], c.cpus);
    if (c.gpus) assertEquals([r.gpus, r.gpuSource, r.vendor], c.gpus);
    if (c.probed) assertEquals(calls, c.probed);
  });
}

const ERRORS: {
  name: string;
  options?: DetectOptions;
  env?: Record<string, string>;
  says: string;
}[] = [
  { name: "FLOW_CPUS=abc", env: { FLOW_CPUS: "abc" }, says: "FLOW_CPUS must be a whole number" },
  { name: "FLOW_CPUS=0", env: { FLOW_CPUS: "0" }, says: "FLOW_CPUS" },
  { name: "FLOW_CPUS=-2", env: { FLOW_CPUS: "-2" }, says: "FLOW_CPUS" },
  { name: "FLOW_CPUS=2.5", env: { FLOW_CPUS: "2.5" }, says: "FLOW_CPUS" },
  {
    name: "--cpus 0",
    options: { cpus: 0 },
    says: "--cpus must be a whole number of processors >= 1",
  },
  { name: "--cpus 1.5", options: { cpus: 1.5 }, says: "--cpus" },
  { name: "--cpus NaN", options: { cpus: NaN }, says: "--cpus" },
  { name: "SLURM_CPUS_ON_NODE=x", env: { SLURM_CPUS_ON_NODE: "x" }, says: "SLURM_CPUS_ON_NODE" },
  {
    name: "SLURM_JOB_CPUS_PER_NODE=(x2)",
    env: { SLURM_JOB_CPUS_PER_NODE: "(x2)" },
    says: "SLURM_JOB_CPUS_PER_NODE must look like",
  },
  { name: "NCPUS=many", env: { NCPUS: "many" }, says: "NCPUS" },
  {
    name: "--gpus x,,y",
    options: { gpus: "x,,y" },
    says: "--gpus has an empty device id in 'x,,y'",
  },
  { name: "--gpus ,", options: { gpus: "," }, says: "--gpus has an empty device id" },
  { name: "--gpus empty", options: { gpus: "" }, says: "--gpus must be a device list" },
  { name: "--gpus 0,0", options: { gpus: "0,0" }, says: "--gpus names device '0' twice" },
  {
    name: "--gpus 'a b'",
    options: { gpus: "a b,c" },
    says: "--gpus has a malformed device id 'a b'",
  },
  { name: "FLOW_GPUS=1,,2", env: { FLOW_GPUS: "1,,2" }, says: "FLOW_GPUS" },
  {
    name: "FLOW_GPUS=4 with 3 visible",
    env: { FLOW_GPUS: "4", CUDA_VISIBLE_DEVICES: "4,5,6" },
    says: "FLOW_GPUS asks for 4 GPUs, but CUDA_VISIBLE_DEVICES lists only 3",
  },
  {
    name: "CUDA_VISIBLE_DEVICES=0,,1",
    env: { CUDA_VISIBLE_DEVICES: "0,,1" },
    says: "CUDA_VISIBLE_DEVICES has an empty device id",
  },
  {
    name: "ROCR_VISIBLE_DEVICES=1,1",
    env: { ROCR_VISIBLE_DEVICES: "1,1" },
    says: "ROCR_VISIBLE_DEVICES names device '1' twice",
  },
  {
    name: "HIP_VISIBLE_DEVICES out of ROCR's range",
    env: { ROCR_VISIBLE_DEVICES: "4,5", HIP_VISIBLE_DEVICES: "3" },
    says: "HIP_VISIBLE_DEVICES names device 3, but ROCR_VISIBLE_DEVICES lists only 2",
  },
];

for (const c of ERRORS) {
  Deno.test(`detectResources rejects ${c.name}`, async () => {
    const { run } = fakeRunner();
    await assertRejects(
      () => detectResources({ ...c.options, env: c.env ?? {}, runCommand: run }),
      UsageError,
      c.says,
    );
  });
}

Deno.test("parseNvidiaSmiList and parseRocmSmiIds", () => {
  assertEquals(parseNvidiaSmiList(SMI4.stdout), ["0", "1", "2", "3"]);
  assertEquals(parseNvidiaSmiList(""), []);
  assertEquals(parseNvidiaSmiList("No devices were found\n"), []);
  assertEquals(parseRocmSmiIds(ROCM2.stdout), ["0", "1"]);
  assertEquals(parseRocmSmiIds("GPU[3]\t: a\nGPU[3]\t: b\nGPU[5]\t: c\n"), ["3", "5"]);
});

Deno.test("visibleDevicesEnv: a table; an empty list hides every device", () => {
  const cases: [Resources["vendor"], string[], Record<string, string>][] = [
    ["nvidia", ["5", "6"], { CUDA_VISIBLE_DEVICES: "5,6" }],
    ["nvidia", ["GPU-a"], { CUDA_VISIBLE_DEVICES: "GPU-a" }],
    ["nvidia", [], { CUDA_VISIBLE_DEVICES: "" }],
    ["amd", ["2", "7"], { ROCR_VISIBLE_DEVICES: "2,7", HIP_VISIBLE_DEVICES: "0,1" }],
    ["amd", [], { ROCR_VISIBLE_DEVICES: "", HIP_VISIBLE_DEVICES: "" }],
    ["none", [], {}],
  ];
  for (const [vendor, ids, env] of cases) assertEquals(visibleDevicesEnv(vendor, ids), env);
});

Deno.test("formatResources names every value and its source", () => {
  const text = formatResources({
    cpus: 3,
    cpuSource: "FLOW_CPUS",
    gpus: ["2", "3"],
    gpuSource: "CUDA_VISIBLE_DEVICES",
    vendor: "nvidia",
  });
  assertEquals(
    text,
    "cpus:   3  (FLOW_CPUS)\ngpus:   2  [2, 3]  (CUDA_VISIBLE_DEVICES)\nvendor: nvidia",
  );
  const none = formatResources({
    cpus: 1,
    cpuSource: HW_SOURCE,
    gpus: [],
    gpuSource: "CUDA_VISIBLE_DEVICES (empty)",
    vendor: "none",
  });
  assertStringIncludes(none, "gpus:   0  (CUDA_VISIBLE_DEVICES (empty))");
});

/** A temp dir holding the fake as `nvidia-smi`; PATH puts it first (bash stays reachable). */
async function withFakeSmi(fn: (path: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    Deno.copyFileSync(FAKE_NVIDIA_SMI, `${dir}/nvidia-smi`);
    Deno.chmodSync(`${dir}/nvidia-smi`, 0o755);
    await fn(`${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`);
  });
}

for (const n of [4, 8]) {
  Deno.test(`detectResources runs nvidia-smi from PATH: fake with ${n} GPUs`, async () => {
    await withFakeSmi(async (PATH) => {
      const r = await detectResources({ env: { PATH, FAKE_GPUS: String(n) } });
      assertEquals(r.gpus, Array.from({ length: n }, (_, i) => String(i)));
      assertEquals([r.gpuSource, r.vendor], ["nvidia-smi -L", "nvidia"]);
    });
  });
}

Deno.test("the fake nvidia-smi: default 4 GPUs; CUDA_VISIBLE_DEVICES still wins", async () => {
  await withFakeSmi(async (PATH) => {
    const r = await detectResources({ env: { PATH } });
    assertEquals(r.gpus, ["0", "1", "2", "3"]);
    const v = await detectResources({ env: { PATH, CUDA_VISIBLE_DEVICES: "2,3" } });
    assertEquals([v.gpus, v.gpuSource], [["2", "3"], "CUDA_VISIBLE_DEVICES"]);
  });
});

Deno.test("a non-executable nvidia-smi on PATH is not run", async () => {
  await withTempDir(async (dir) => {
    Deno.copyFileSync(FAKE_NVIDIA_SMI, `${dir}/nvidia-smi`);
    Deno.chmodSync(`${dir}/nvidia-smi`, 0o644);
    const r = await detectResources({ env: { PATH: dir } });
    assertEquals([r.gpus, r.vendor], [[], "none"]);
  });
});
