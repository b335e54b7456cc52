// The seed's first FlowGroups example in TypeScript: group `ex` contains op1 and op2.
// Run: deno run -A examples/groups/basic/project.ts run -o ex
import { FlowProject, isFile } from "../../../mod.ts";

const project = new FlowProject({ root: import.meta.dirname });
const ex = project.makeGroup("ex");

const op1 = project.operation("op1", async (job) => {
  await Deno.writeTextFile(job.fn("op1.txt"), `op1 on ${job.id}\n`);
}, { post: [isFile("op1.txt")] });

const op2 = project.operation("op2", async (job) => {
  await Deno.writeTextFile(job.fn("op2.txt"), `op2 on ${job.id}\n`);
}, { post: [isFile("op2.txt")] });

ex.add(op1).add(op2);

if (import.meta.main) await project.main();
