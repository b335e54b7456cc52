/**
 * Private helper of scale.ts: how fast this host is at what flow's commands
 * spend their time on, so that tables measured on different days (or
 * machines) can be compared. Run under the binary's permission flags: Deno
 * resolves every path it opens through its symbolic links when permissions
 * are scoped (denoland/deno#28702), which makes each open slower than under
 * `-A`.
 *
 * Usage: `deno run <flags> bench/_host_probe.ts DIR`; prints one JSON object:
 * `readUs` (µs to read one small file of a job folder), `lstatUs` (µs per
 * `lstat` of a job folder), `listUs` (µs to list one job folder), `pageUs`
 * (µs to touch one new 4 KiB page of memory: on a VM whose host backs the
 * guest's memory lazily this dominates starting programs and allocating).
 *
 * @module
 */

const dir = Deno.makeTempDirSync({ dir: Deno.args[0], prefix: "flow-host-probe-" });
const N = 5_000;
try {
  const paths: string[] = [];
  for (let i = 0; i < N; i++) {
    const job = `${dir}/workspace/${i.toString(16).padStart(32, "0")}`;
    Deno.mkdirSync(job, { recursive: true });
    Deno.writeTextFileSync(`${job}/signac_statepoint.json`, `{"T": 1.5, "seed": ${i}, "p": "s1"}`);
    paths.push(job);
  }
  const perOp = (fn: (p: string) => unknown): number => {
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const t = performance.now();
      for (const p of paths) fn(p);
      best = Math.min(best, ((performance.now() - t) * 1000) / N);
    }
    return Math.round(best * 10) / 10;
  };
  const pageUs = (() => {
    const bytes = 64 * 1024 * 1024;
    const t = performance.now();
    const mem = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 4096) mem[i] = 1;
    return Math.round(((performance.now() - t) * 1000) / (bytes / 4096) * 100) / 100;
  })();
  console.log(JSON.stringify({
    pageUs,
    readUs: perOp((p) => Deno.readTextFileSync(`${p}/signac_statepoint.json`)),
    lstatUs: perOp((p) => Deno.lstatSync(p)),
    listUs: perOp((p) => [...Deno.readDirSync(p)]),
  }));
} finally {
  Deno.removeSync(dir, { recursive: true });
}
