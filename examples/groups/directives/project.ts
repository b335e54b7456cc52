// The seed's second FlowGroups example in TypeScript: op1 requests one GPU by
// itself and two GPUs through group `ex`.
// Run: deno run -A examples/groups/directives/project.ts run --pretend -o ex
import { FlowProject, isFile } from "../../../mod.ts";

const project = new FlowProject({ root: import.meta.dirname });
const ex = project.makeGroup("ex");

const op1 = project.command(
  "op1",
  'echo "op1 with CUDA_VISIBLE_DEVICES=${{CUDA_VISIBLE_DEVICES:-unset}}" > op1.txt',
  { post: [isFile("op1.txt")], directives: { ngpu: 1 } },
);

ex.add(op1, { directives: { ngpu: 2 } });

if (import.meta.main) await project.main();
