/**
 * Demo of the workspace API: a small parameter study.
 *
 * Creates a project in a temporary folder (or the folder given as the first
 * argument), one job per (T, seed), stores a result in each job document,
 * then queries the data space with signac's filter language.
 *
 * Run: `deno task demo` (or `deno task demo ./my-study` to keep the project).
 *
 * @module
 */

import { float, Project } from "../../mod.ts";

const dir = Deno.args[0] ?? Deno.makeTempDirSync({ prefix: "flow-demo-" });
const project = await Project.init(dir);
console.log(`project: ${project.root}`);

// 4 temperatures x 3 seeds = 12 jobs. float(1) keeps 1.0 a float, as in Python.
for (const T of [float(1), 1.5, float(2), 2.5]) {
  for (const seed of [0, 1, 2]) {
    const job = await project.openJob({ T, seed, model: "ising" }).init();
    // A stand-in for a simulation: a deterministic "energy" per state point.
    const energy = -2 / (+T) + seed * 0.01;
    await job.doc.update((doc) => {
      doc.energy = energy;
      doc.runs = typeof doc.runs === "number" ? doc.runs + 1 : 1;
    });
  }
}

const { jobs } = await project.list();
console.log(`${jobs.length} jobs in ${project.workspace}`);

const cold = await project.find({ T: { $lte: 1.5 } });
console.log(`jobs with T <= 1.5: ${cold.length}`);
for (const job of cold) {
  console.log(
    `  ${job.id}  T=${job.sp.T}  seed=${job.sp.seed}  energy=${await job.doc.get("energy")}`,
  );
}

const low = await project.find({ "doc.energy": { $lt: -1.3 }, seed: 0 });
console.log(`seed 0 with energy < -1.3: ${low.map((j) => String(j.sp.T)).join(", ")}`);
await project.doc.set("study", "demo");
console.log(`\nTry: deno task flow --project ${project.root} find T 1.5`);
