// GPU-aware packing without a GPU: fake devices, operations that record what they were given.
import { assert, assertEquals } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";
import { addCommand } from "./_fixtures.ts";
import { Registry } from "../../src/registry/registry.ts";
import { isFile } from "../../src/registry/condition.ts";
import { Runner } from "../../src/executor/run.ts";
import type { Resources } from "../../src/executor/resources.ts";
import { Project } from "../../src/workspace/project.ts";
import type { Job } from "../../src/workspace/job.ts";

interface Record_ {
  id: string;
  ngpu: number;
  np: number;
  devices: string[];
  start: number;
  end: number;
}

// Each operation writes "CUDA_VISIBLE_DEVICES|start_ns|end_ns" into run.txt.
const RECORD =
  's=$(date +%s%N); sleep {job.sp.t}; printf "%s|%s|%s\\n" "$CUDA_VISIBLE_DEVICES" "$s" "$(date +%s%N)" > run.txt';

function readRecords(jobs: Job[]): Record_[] {
  return jobs.map((j) => {
    const [devices, start, end] = Deno.readTextFileSync(j.fn("run.txt")).trim().split("|");
    return {
      id: j.id,
      ngpu: Number(j.sp.ngpu),
      np: Number(j.sp.np),
      devices: devices ? devices.split(",") : [],
      start: Number(start) / 1e6,
      end: Number(end) / 1e6,
    };
  });
}

function assertNoOverlap(records: Record_[], cpus: number): void {
  for (const r of records) {
    assertEquals(r.devices.length, r.ngpu, `job ${r.id} got ${r.devices} for ngpu ${r.ngpu}`);
  }
  for (const a of records) {
    for (const b of records) {
      if (a === b || a.end <= b.start || b.end <= a.start) continue;
      const shared = a.devices.filter((d) => b.devices.includes(d));
      assertEquals(shared, [], `jobs ${a.id} and ${b.id} ran at once on GPU ${shared}`);
    }
  }
  // Cores: at every start, the np of everything running fits.
  for (const r of records) {
    const load = records.filter((o) => o.start <= r.start && r.start < o.end).reduce(
      (s, o) => s + o.np,
      0,
    );
    assert(load <= cpus, `at ${r.start} ${load} cores in use of ${cpus}`);
  }
}

async function scenario(
  dir: string,
  gpus: string[],
  cpus: number,
  count: number,
): Promise<Record_[]> {
  const project = await Project.init(dir);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < count; i++) {
    const ngpu = [0, 1, 1, 2, 4][Math.floor(rand() * 5)];
    await project.openJob({
      i,
      ngpu: Math.min(ngpu, gpus.length),
      np: 1 + Math.floor(rand() * 2),
      t: 0.05 + rand() * 0.15,
    }).init();
  }
  const jobs = (await project.list()).jobs;
  const r = new Registry();
  addCommand(r, "work", RECORD, {
    post: [isFile("run.txt")],
    directives: { ngpu: (job) => Number(job.sp.ngpu), np: (job) => Number(job.sp.np) },
  });
  r.validate();
  const resources: Resources = {
    cpus,
    cpuSource: "test",
    gpus,
    gpuSource: "test",
    vendor: "nvidia",
  };
  const summary = await new Runner({
    project,
    registry: r,
    groups: r.select(),
    jobs,
    parallel: Infinity,
    resources,
  }).run();
  assertEquals(summary.failed, []);
  assertEquals(summary.succeeded.length, count);
  return readRecords(jobs);
}

for (const n of [4, 8]) {
  Deno.test(`${n} fake GPUs: no device shared, no core oversubscribed, every request met`, async () => {
    await withTempDir(async (dir) => {
      const gpus = Array.from({ length: n }, (_, i) => String(i));
      const records = await scenario(dir, gpus, 6, 24);
      assertNoOverlap(records, 6);
      assert(records.some((r) => r.devices.length > 1), "multi-GPU operations ran");
    });
  });
}

Deno.test("devices are renumbered from the visible set (CUDA_VISIBLE_DEVICES=4,5,6,7)", async () => {
  await withTempDir(async (dir) => {
    const records = await scenario(dir, ["4", "5", "6", "7"], 4, 12);
    assertNoOverlap(records, 4);
    for (const r of records) {
      for (const d of r.devices) assert(["4", "5", "6", "7"].includes(d), `device ${d}`);
    }
    // An operation that asked for no GPU sees none at all.
    for (const r of records.filter((x) => x.ngpu === 0)) assertEquals(r.devices, []);
  });
});

Deno.test("flow run --parallel with a fake nvidia-smi on PATH pins devices; too large a request is an error", async () => {
  await withTempDir(async (dir) => {
    const bin = `${dir}/bin`;
    Deno.mkdirSync(bin);
    Deno.copyFileSync(
      new URL("../fixtures/fake-nvidia-smi", import.meta.url).pathname,
      `${bin}/nvidia-smi`,
    );
    Deno.chmodSync(`${bin}/nvidia-smi`, 0o755);
    const p = `${dir}/p`;
    await flow(["init", p]);
    Deno.writeTextFileSync(
      `${p}/flow.yaml`,
      `operations:\n  work:\n    command: 'echo "$CUDA_VISIBLE_DEVICES" > gpus.txt; sleep 0.2'\n` +
        `    post: [{isfile: gpus.txt}]\n    directives: {ngpu: 2}\n`,
    );
    const ids =
      (await flow(["job", "create", '{"i": 1}', '{"i": 2}', '{"i": 3}', '{"i": 4}'], { cwd: p }))
        .stdout.trim().split("\n");
    const env = {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      FAKE_GPUS: "4",
      CUDA_VISIBLE_DEVICES: "",
    };
    // CUDA_VISIBLE_DEVICES="" would mean "no GPUs": unset it through FLOW_GPUS instead.
    delete (env as Record<string, string>).CUDA_VISIBLE_DEVICES;
    const r = await flow(["run", "--parallel"], { cwd: p, env });
    assertEquals(r.code, 0, r.stderr);
    const seen = ids.map((id) => Deno.readTextFileSync(`${p}/workspace/${id}/gpus.txt`).trim());
    for (const s of seen) assertEquals(s.split(",").length, 2);
    assertEquals(new Set(seen.flatMap((s) => s.split(","))), new Set(["0", "1", "2", "3"]));
    Deno.writeTextFileSync(
      `${p}/flow.yaml`,
      Deno.readTextFileSync(`${p}/flow.yaml`).replace("ngpu: 2", "ngpu: 8").replace(
        "gpus.txt}",
        "gpus8.txt}",
      ),
    );
    const big = await flow(["run", "--parallel"], { cwd: p, env });
    assertEquals(big.code, 2);
    assert(
      /operation 'work' on [0-9a-f]{32} requests 8 GPUs, but only 4 are available \(nvidia-smi/
        .test(big.stderr),
      big.stderr,
    );
  });
});

Deno.test("operations see a clean environment: a secret is not passed unless FLOW_PASS_ENV names it", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      `operations:\n  a: {command: 'echo "[$FLOW_TEST_SECRET][$HOME]" > env.txt', post: [{isfile: env.txt}]}\n`,
    );
    const [id] = (await flow(["job", "create", '{"i": 1}'], { cwd: dir })).stdout.trim().split(
      "\n",
    );
    const r = await flow(["run"], { cwd: dir, env: { FLOW_TEST_SECRET: "hunter2" } });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(
      Deno.readTextFileSync(`${dir}/workspace/${id}/env.txt`).trim(),
      `[][${Deno.env.get("HOME") ?? ""}]`,
    );
    Deno.removeSync(`${dir}/workspace/${id}/env.txt`);
    await flow(["run"], {
      cwd: dir,
      env: { FLOW_TEST_SECRET: "hunter2", FLOW_PASS_ENV: "FLOW_TEST_*" },
    });
    assertEquals(
      Deno.readTextFileSync(`${dir}/workspace/${id}/env.txt`).trim().startsWith("[hunter2]"),
      true,
    );
  });
});
