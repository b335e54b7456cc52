// Test helper process: increments doc.counter of one job N times.
import { Project } from "../../src/workspace/project.ts";

const [root, id, times] = Deno.args;
const project = await Project.open(root, { search: false });
const job = await project.job(id);
for (let i = 0; i < Number(times); i++) {
  await job.doc.update((d) => {
    d.counter = (typeof d.counter === "number" ? d.counter : 0) + 1;
  });
}
