import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { COMPLETE_FLOW_YAML as COMPLETE } from "./_fixtures.ts";
import {
  ConfigError,
  loadFlowYaml,
  MAX_FLOW_YAML_BYTES,
  parseFlowYaml,
} from "../../src/config/flow_yaml.ts";
import { gpusRequested, resolveDirectives } from "../../src/directives/mod.ts";
import { UsageError } from "../../src/errors.ts";
import { cachedFlowYamlValue, loadFlowYamlCached } from "../../src/config/parse_cache.ts";
import { parseYaml } from "../../src/workspace/yaml.ts";
import type { ConditionContext } from "../../src/registry/condition.ts";
import type { Hooks } from "../../src/registry/operation.ts";
import type { Registry } from "../../src/registry/registry.ts";
import type { Job } from "../../src/workspace/job.ts";
import { Project } from "../../src/workspace/project.ts";

const PATH = "flow.yaml";
/** YAML directives are never functions, so they resolve without a job. */
const NO_JOB = null as unknown as Job;

function parse(lines: readonly string[]): Registry {
  return parseFlowYaml(lines.join("\n") + "\n", PATH);
}

/** The message of the ConfigError that parsing `text` raises. */
function errorOf(text: string): string {
  return assertThrows(() => parseFlowYaml(text, PATH), ConfigError).message;
}

function hookSources(hooks: Hooks): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(hooks).map(([k, list]) => [
      k,
      list.map((h: Hooks["onStart"][number]) => h.kind === "command" ? h.template.source : "fn"),
    ]),
  );
}

Deno.test("a complete flow.yaml: operations, conditions, directives, aggregates, hooks, cwd", () => {
  const r = parse(COMPLETE);
  assertEquals(r.operations.map((op) => op.name), ["prepare", "simulate", "analyze", "per_t"]);
  assertEquals(r.names, ["prepare", "simulate", "analyze", "per_t", "pipeline", "aggregated"]);
  const op = (name: string) => r.operation(name);
  const body = (name: string) => {
    const b = op(name).body;
    return b.kind === "command" ? b.template.source : "function";
  };
  assertEquals(body("prepare"), "echo {job.sp.T} > input.txt");
  assertEquals(body("analyze"), "./analyze {jobs.paths} --out {project.path}");
  const pre = (name: string) => op(name).pre.map((c) => c.description);
  const post = (name: string) => op(name).post.map((c) => c.description);
  assertEquals(pre("prepare"), []);
  assertEquals(post("prepare"), ["isfile(input.txt)"]);
  assertEquals(pre("simulate"), ["after(prepare)", "not(isfile(lock))", "doc.ready is true"]);
  assertEquals(post("simulate"), [
    "isfile(out.dat)",
    'doc.state == "done"',
    "doc.n == 3",
    "doc.big == 123456789012345678901",
  ]);
  assertEquals(pre("analyze"), ["after(prepare, simulate)"]);
  assertEquals(op("analyze").pre[0].after, ["prepare", "simulate"]);
  assertEquals(post("analyze"), ["sh(test -s {project.path}/summary.txt)", "never"]);
  assertEquals(pre("per_t"), []);
  assertEquals(op("simulate").directives, {
    np: 4,
    ngpu: 1,
    walltime: "01:00:00",
    memory: "4G",
    fork: true,
  });
  assertEquals(op("prepare").directives, {});
  assertEquals(op("prepare").aggregator.isSingle, true);
  assertEquals(
    op("analyze").aggregator.description,
    'groupsOf(2, sortBy: T desc, select: {"T": {"$gt": 1}})',
  );
  assertEquals(op("per_t").aggregator.description, "groupBy(T)");
  assertEquals(
    [op("prepare").inJobDir, op("simulate").inJobDir, op("analyze").inJobDir],
    [true, true, false],
  );
  assertEquals(hookSources(op("prepare").hooks), {
    onStart: ["echo start {job.id}"],
    onSuccess: [],
    onException: [],
    onExit: ["echo a", "echo b"],
  });
  assertEquals(hookSources(op("per_t").hooks), {
    onStart: [],
    onSuccess: [],
    onException: [],
    onExit: [],
  });
  assertEquals(hookSources(r.hooks), {
    onStart: [],
    onSuccess: ["echo ok {job.id}"],
    onException: ["echo failed", "echo again"],
    onExit: [],
  });
  assertEquals(
    r.labels.map(([name, c]) => [name, c.description]),
    [
      ["prepared", "isfile(input.txt)"],
      ["converged", 'doc.state == "done" and doc.ok == true'],
      ["running", "not(doc.finished is true)"],
    ],
  );
});

Deno.test("a complete flow.yaml: groups, their options and merged member directives", () => {
  const r = parse(COMPLETE);
  const pipeline = r.group("pipeline");
  assertEquals(pipeline.members, [
    { operation: "prepare", directives: {} },
    { operation: "simulate", directives: { np: 8, memory: null } },
  ]);
  assertEquals(pipeline.runOptions, { parallel: true });
  assertEquals(pipeline.submitOptions, "--partition=short");
  assertEquals(pipeline.singleton, false);
  assertEquals(r.memberDirectives(pipeline, "simulate"), {
    np: 8,
    ngpu: 1,
    walltime: "01:00:00",
    memory: null,
    fork: true,
  });
  const resolved = resolveDirectives(r.memberDirectives(pipeline, "simulate"), NO_JOB, "t");
  assertEquals([resolved.np, resolved.memory, resolved.walltime], [8, undefined, 3600]);
  const aggregated = r.group("aggregated");
  assertEquals(aggregated.members, [{ operation: "analyze", directives: {} }]);
  assertEquals(aggregated.runOptions, { parallel: false });
  assertEquals(aggregated.submitOptions, "");
  assertEquals(r.group("simulate").singleton, true);
});

Deno.test("the FlowGroups example: op1 asks 1 GPU alone and 2 inside group ex", () => {
  const r = parse([
    "operations:",
    "  op1:",
    "    command: echo op1 {job.id}",
    "    directives: {ngpu: 1}",
    "  op2:",
    "    command: echo op2 {job.id}",
    "groups:",
    "  ex:",
    "    operations:",
    "      op1: {directives: {ngpu: 2}}",
    "      op2: {}",
  ]);
  const gpus = (group: string) =>
    gpusRequested(
      resolveDirectives(r.memberDirectives(r.group(group), "op1"), NO_JOB, `op1 in ${group}`),
    );
  assertEquals(gpus("op1"), 1);
  assertEquals(gpus("ex"), 2);
  assertEquals(r.group("ex").members.map((m) => m.operation), ["op1", "op2"]);
});

Deno.test("conditions evaluate on real jobs; YAML ints, floats and big ints stay exact", async () => {
  await withTempDir(async (dir) => {
    const r = parse([
      "operations:",
      "  a:",
      "    command: echo",
      "    post:",
      "      - doc: {n: 3, big: 123456789012345678901}",
      "      - isfile: out.dat",
      "labels:",
      "  both: {doc: {state: done, ok: true}}",
      "  not_both: {not: {doc: {state: done, ok: true}}}",
      "  has_out: {isfile: out.dat}",
    ]);
    const project = await Project.init(dir);
    const job = await project.openJob({ T: 1 }).init();
    const ctx: ConditionContext = {
      postconditionsHold: () => true,
      shell: () => Promise.resolve(true),
    };
    const labels = () =>
      Object.fromEntries(r.labels.map(([name, c]) => [name, c.evaluate(job, ctx)]));
    const post = () => r.operation("a").post.map((c) => c.evaluate(job, ctx));
    assertEquals(labels(), { both: false, not_both: true, has_out: false });
    assertEquals(post(), [false, false, false]);
    await job.doc.set("state", "done");
    assertEquals(labels(), { both: false, not_both: true, has_out: false });
    await job.doc.set("ok", true);
    assertEquals(labels(), { both: true, not_both: false, has_out: false });
    await job.doc.set("n", 3);
    // 123456789012345678901 is not a double: a rounded value must not match.
    await job.doc.set("big", 123456789012345678900n);
    assertEquals(post(), [true, false, false]);
    await job.doc.set("big", 123456789012345678901n);
    Deno.writeTextFileSync(`${job.path}/out.dat`, "x");
    assertEquals(post(), [true, true, true]);
    assertEquals(labels(), { both: true, not_both: false, has_out: true });
  });
  // The float 1.0 and the int 1 are different conditions (memoisation keys differ).
  const r = parse([
    "labels:",
    "  int: {doc: {x: 1}}",
    "  float: {doc: {x: 1.0}}",
    "  int2: {doc: {x: 1}}",
  ]);
  const keys = r.labels.map(([, c]) => c.key);
  assert(keys[0] !== keys[1], "1 and 1.0 share a key");
  assertEquals(keys[0], keys[2]);
});

Deno.test("empty files and empty sections give an empty registry", () => {
  for (
    const text of [
      "",
      "# nothing yet\n",
      "operations: {}\n",
      "operations:\nlabels:\ngroups:\nhooks:\n",
      "operations: ~\nlabels: {}\ngroups: {}\nhooks: {}\n",
    ]
  ) {
    const r = parseFlowYaml(text, PATH);
    assertEquals([r.names, r.labels.length, r.hooks.onStart.length], [[], 0, 0], text);
  }
});

Deno.test("directives are converted as the validator expects: np: 2 passes, big values fail", () => {
  const r = parse([
    "operations:",
    "  a:",
    "    command: x",
    "    directives: {np: 2, processor_fraction: 0.5, walltime: 1.5, memory: 2, nranks: 0}",
    "  b:",
    "    command: x",
    "    directives: {np: 2.0, executable: /usr/bin/python3, omp_num_threads: ~}",
  ]);
  assertEquals(r.operation("a").directives, {
    np: 2,
    processor_fraction: 0.5,
    walltime: 1.5,
    memory: 2,
    nranks: 0,
  });
  // An integral float is a plain number for the validator (as in JSON).
  assertEquals(r.operation("b").directives, {
    np: 2,
    executable: "/usr/bin/python3",
    omp_num_threads: null,
  });
  assertEquals(
    errorOf("operations:\n  a:\n    command: x\n    directives: {np: 123456789012345678901}\n"),
    "flow.yaml:4:22: operation 'a': directive 'np' must be an integer ≥ 1, " +
      "got 123456789012345678901",
  );
});

const ERRORS: [string, string[], string][] = [
  [
    "syntax error: unclosed flow map",
    ["operations:", "  a: {command: x", "labels: {}"],
    "flow.yaml:3:1: invalid YAML: Flow map in block collection must be sufficiently indented " +
    "and end with a }",
  ],
  [
    "syntax error: tab indentation",
    ["operations:", "\ta: {command: x}"],
    "flow.yaml:2:1: invalid YAML: Tabs are not allowed as indentation",
  ],
  [
    "duplicate key",
    ["operations:", "  a: {command: x}", "  a: {command: y}"],
    "flow.yaml:3:3: invalid YAML: key 'a' appears twice in the same map (first at line 2, column 3)",
  ],
  [
    "two documents",
    ["operations: {}", "---", "labels: {}"],
    "flow.yaml:2:1: invalid YAML: a second document starts here ('---'); the file must hold " +
    "one document",
  ],
  [
    "top level is a list",
    ["- operations"],
    "flow.yaml:1:1: a flow.yaml file must be a map (with operations, labels, groups, hooks, clusters), " +
    "got a list",
  ],
  [
    "unknown top-level key with suggestion",
    ["operation:", "  a: {command: x}"],
    "flow.yaml:1:1: unknown key 'operation' at the top level (did you mean 'operations'?)",
  ],
  [
    "unknown top-level key without suggestion",
    ["operations: {}", "jobs: 3"],
    "flow.yaml:2:1: unknown key 'jobs' at the top level " +
    "(expected operations, labels, groups, hooks, clusters)",
  ],
  [
    "operations is a list",
    ["operations: [a, b]"],
    "flow.yaml:1:13: 'operations' must be a map of operation names to operations, got a list",
  ],
  [
    "a non-string operation name",
    ["operations:", "  1: {command: x}"],
    "flow.yaml:2:3: keys in 'operations' must be strings, got 1",
  ],
  [
    "unknown operation key with suggestion",
    ["operations:", "  prep:", "    command: x", "    comand: y"],
    "flow.yaml:4:5: unknown key 'comand' in operation 'prep' (did you mean 'command'?)",
  ],
  [
    "unknown operation key without suggestion",
    ["operations:", "  prep:", "    command: x", "    color: red"],
    "flow.yaml:4:5: unknown key 'color' in operation 'prep' " +
    "(expected command, pre, post, directives, aggregate, hooks, cwd)",
  ],
  [
    "missing command",
    ["operations:", "  prep:", "    post: [{isfile: a}]"],
    "flow.yaml:2:3: operation 'prep' has no 'command' (the shell command to run)",
  ],
  [
    "operation without a body",
    ["operations:", "  prep:"],
    "flow.yaml:2:3: operation 'prep' has no 'command' (the shell command to run)",
  ],
  [
    "command is a number",
    ["operations:", "  prep:", "    command: 42"],
    "flow.yaml:3:14: 'command' of operation 'prep' must be a shell command, got 42",
  ],
  [
    "command is null",
    ["operations:", "  prep:", "    command:"],
    "flow.yaml:3:13: 'command' of operation 'prep' must be a shell command, got null",
  ],
  [
    "operation is a string",
    ["operations:", "  prep: echo hi"],
    "flow.yaml:2:9: operation 'prep' must be a map " +
    '(with command, pre, post, directives, aggregate, hooks, cwd), got the string "echo hi"',
  ],
  [
    "invalid operation name",
    ["operations:", "  1st: {command: x}"],
    "flow.yaml:2:3: operation name '1st' is not valid " +
    "(letters, digits, '_', '.', '-'; starting with a letter or '_')",
  ],
  [
    "unknown placeholder in command",
    ["operations:", "  prep:", "    command: echo {job.sq.T}"],
    "flow.yaml:3:14: operation 'prep': unknown placeholder '{job.sq.T}' (use {job.id}, " +
    "{job.path}, {job.sp.KEY}, {job.doc.KEY}, {project.path}, {jobs.ids}, {jobs.paths}; " +
    "'{{' for a literal brace)",
  ],
  [
    "unmatched brace in a hook",
    ["operations:", "  prep:", "    command: x", "    hooks: {onStart: [ok, 'echo }']}"],
    "flow.yaml:4:27: hook 'onStart' of operation 'prep': unmatched '}' in command " +
    "(write '}}' for a literal brace)",
  ],
  [
    "wrong type for pre",
    ["operations:", "  prep:", "    command: x", "    pre: out.txt"],
    "flow.yaml:4:10: 'pre' of operation 'prep' must be a condition or a list of conditions " +
    '(maps such as {isfile: out.txt}), got the string "out.txt"',
  ],
  [
    "a list item of post that is not a condition",
    ["operations:", "  prep:", "    command: x", "    post: [{isfile: a}, b]"],
    "flow.yaml:4:25: a postcondition of operation 'prep' must be a condition " +
    '(a map with one key: isfile, after, doc, not, never, sh), got the string "b"',
  ],
  [
    "unknown condition key with suggestion",
    ["operations:", "  prep:", "    command: x", "    pre: [{isFile: a}]"],
    "flow.yaml:4:12: unknown condition 'isFile' in a precondition of operation 'prep' " +
    "(did you mean 'isfile'?)",
  ],
  [
    "unknown condition key without suggestion",
    ["labels:", "  l: {exists: a}"],
    "flow.yaml:2:7: unknown condition 'exists' in label 'l' " +
    "(expected isfile, after, doc, not, never, sh)",
  ],
  [
    "two keys in one condition",
    ["labels:", "  l: {isfile: a, doc: b}"],
    "flow.yaml:2:18: a condition has exactly one key, but label 'l' has 'isfile' and 'doc' " +
    "(write a list of conditions)",
  ],
  [
    "empty condition",
    ["labels:", "  l: {}"],
    "flow.yaml:2:6: label 'l' must be a condition " +
    "(a map with one key: isfile, after, doc, not, never, sh), got an empty map",
  ],
  [
    "label without a condition",
    ["labels:", "  l:"],
    "flow.yaml:2:5: label 'l' must be a condition " +
    "(a map with one key: isfile, after, doc, not, never, sh), got null",
  ],
  [
    "unknown condition under not",
    ["labels:", "  l: {not: {nevr: true}}"],
    "flow.yaml:2:13: unknown condition 'nevr' in the condition under 'not' in label 'l' " +
    "(did you mean 'never'?)",
  ],
  [
    "never: false",
    ["labels:", "  l: {never: false}"],
    "flow.yaml:2:14: 'never' in label 'l' must be true (the condition never holds), got false",
  ],
  [
    "isfile is a list",
    ["labels:", "  l: {isfile: [a, b]}"],
    "flow.yaml:2:15: 'isfile' in label 'l' must be a file name, got a list",
  ],
  [
    "empty doc map",
    ["labels:", "  l: {doc: {}}"],
    "flow.yaml:2:12: 'doc' in label 'l' must name at least one document key, got an empty map",
  ],
  [
    "doc is a number",
    ["labels:", "  l: {doc: 3}"],
    "flow.yaml:2:12: 'doc' in label 'l' must be a document key (true when its value is truthy) " +
    "or a map of keys to values, got 3",
  ],
  [
    "unknown placeholder in sh",
    ["labels:", "  l: {sh: 'test -f {job.spT}'}"],
    "flow.yaml:2:11: 'sh' in label 'l': unknown placeholder '{job.spT}' (use {job.id}, " +
    "{job.path}, {job.sp.KEY}, {job.doc.KEY}, {project.path}, {jobs.ids}, {jobs.paths}; " +
    "'{{' for a literal brace)",
  ],
  [
    "after with an empty list",
    ["labels:", "  l: {after: []}"],
    "flow.yaml:2:14: 'after' in label 'l' must be an operation name or a list of them, " +
    "got an empty list",
  ],
  [
    "after naming an unknown operation",
    [
      "operations:",
      "  prepare: {command: x, post: [{isfile: a}]}",
      "  run:",
      "    command: y",
      "    pre: [{after: [prepare, prepar2]}]",
    ],
    "flow.yaml:5:29: operation 'run' precondition: after unknown operation 'prepar2' " +
    "(did you mean 'prepare'?)",
  ],
  [
    "after in a label naming an unknown operation",
    ["operations:", "  a: {command: x}", "labels:", "  l: {after: b}"],
    "flow.yaml:4:14: label 'l': after unknown operation 'b' (did you mean 'a'?)",
  ],
  [
    "after an operation without postconditions",
    ["operations:", "  a: {command: x}", "  b:", "    command: y", "    pre: {after: a}"],
    "flow.yaml:5:18: operation 'b' precondition: after 'a', but operation 'a' has no " +
    "postconditions, so it never completes",
  ],
  [
    "cycle in after",
    [
      "operations:",
      "  a:",
      "    command: x",
      "    pre: [{after: c}]",
      "    post: [{isfile: a}]",
      "  b:",
      "    command: y",
      "    pre: [{after: a}]",
      "    post: [{isfile: b}]",
      "  c:",
      "    command: z",
      "    pre: [{after: b}]",
      "    post: [{isfile: c}]",
    ],
    "flow.yaml:4:19: 'after' conditions form a cycle: a → c → b → a",
  ],
  [
    "an operation after itself",
    ["operations:", "  a:", "    command: x", "    pre: {after: a}", "    post: {isfile: a}"],
    "flow.yaml:4:18: 'after' conditions form a cycle: a → a",
  ],
  [
    "group named like an operation",
    ["operations:", "  a: {command: x}", "groups:", "  a:", "    operations: [a]"],
    "flow.yaml:4:3: group 'a' clashes with the operation of the same name",
  ],
  [
    "group with an unknown operation (list)",
    ["operations:", "  op1: {command: x}", "groups:", "  ex:", "    operations: [op1, op3]"],
    "flow.yaml:5:23: group 'ex' adds unknown operation 'op3' (did you mean 'op1'?)",
  ],
  [
    "group with an unknown operation (map)",
    ["operations:", "  op1: {command: x}", "groups:", "  ex:", "    operations:", "      opx: {}"],
    "flow.yaml:6:7: group 'ex' adds unknown operation 'opx' (did you mean 'op1'?)",
  ],
  [
    "group adding a group",
    [
      "operations:",
      "  a: {command: x}",
      "  b: {command: x}",
      "groups:",
      "  g: {operations: [a, b]}",
      "  h: {operations: [g]}",
    ],
    "flow.yaml:6:20: group 'h' adds unknown operation 'g': 'g' is a group, and groups do not " +
    "nest (add its operations instead: a, b)",
  ],
  [
    "isfile with a placeholder",
    ["operations:", "  a:", "    command: x", '    post: [{isfile: "{job.sp.T}.txt"}]'],
    "flow.yaml:4:21: 'isfile' in a postcondition of operation 'a' takes a file name as written: " +
    "'{job.sp.T}' is not filled in there (for a name made from the job, write " +
    "{sh: 'test -f \"{job.sp.T}.txt\"'})",
  ],
  [
    "group adding an operation twice",
    ["operations:", "  op1: {command: x}", "groups:", "  ex:", "    operations: [op1, op1]"],
    "flow.yaml:5:23: group 'ex' adds operation 'op1' twice",
  ],
  [
    "group without operations",
    ["operations:", "  op1: {command: x}", "groups:", "  ex: {parallel: true}"],
    "flow.yaml:4:3: group 'ex' has no 'operations' (a list of operation names, or a map of " +
    "operation names to {directives: ...})",
  ],
  [
    "group with an empty operation list",
    ["operations:", "  op1: {command: x}", "groups:", "  ex:", "    operations: []"],
    "flow.yaml:4:3: group 'ex' has no operations",
  ],
  [
    "group mixing aggregators",
    [
      "operations:",
      "  a: {command: x}",
      "  b: {command: y, aggregate: {groupsOf: 2}}",
      "groups:",
      "  ex: {operations: [a, b]}",
    ],
    "flow.yaml:5:3: group 'ex' mixes aggregators: 'a' uses each job, 'b' uses groupsOf(2)",
  ],
  [
    "unknown group key",
    ["operations:", "  a: {command: x}", "groups:", "  ex: {operations: [a], paralel: true}"],
    "flow.yaml:4:25: unknown key 'paralel' in group 'ex' (did you mean 'parallel'?)",
  ],
  [
    "parallel is a string",
    ["operations:", "  a: {command: x}", "groups:", "  ex: {operations: [a], parallel: yes}"],
    "flow.yaml:4:35: 'parallel' of group 'ex' must be true or false, got the string \"yes\"",
  ],
  [
    "unknown key of a group member",
    ["operations:", "  a: {command: x}", "groups:", "  ex:", "    operations: {a: {np: 2}}"],
    "flow.yaml:5:22: unknown key 'np' in operation 'a' in group 'ex' (expected directives)",
  ],
  [
    "bad directive name with suggestion",
    ["operations:", "  a:", "    command: x", "    directives: {ngpus: 1}"],
    "flow.yaml:4:18: operation 'a': unknown directive 'ngpus' (did you mean 'ngpu'?)",
  ],
  [
    "np: 2.7",
    ["operations:", "  a:", "    command: x", "    directives:", "      np: 2.7"],
    "flow.yaml:5:11: operation 'a': directive 'np' must be an integer ≥ 1, got 2.7",
  ],
  [
    "a bad directive inside a group",
    [
      "operations:",
      "  op1: {command: x}",
      "groups:",
      "  ex:",
      "    operations:",
      "      op1:",
      "        directives: {walltime: soon}",
    ],
    "flow.yaml:7:32: operation 'op1' in group 'ex': directive 'walltime' must be a number of " +
    'hours > 0 or a duration "HH:MM:SS" or "D-HH:MM:SS", at most 365 days, got the string "soon"',
  ],
  [
    "directives is a list",
    ["operations:", "  a:", "    command: x", "    directives: [np, 2]"],
    "flow.yaml:4:17: 'directives' of operation 'a' must be a map of directive names to values, " +
    "got a list",
  ],
  [
    "aggregate without groupsOf or groupBy",
    ["operations:", "  a:", "    command: x", "    aggregate: {sortBy: T}"],
    "flow.yaml:4:16: 'aggregate' of operation 'a' needs 'groupsOf: N' or 'groupBy: KEY'",
  ],
  [
    "aggregate with both groupsOf and groupBy",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupsOf: 2, groupBy: T}"],
    "flow.yaml:4:30: 'aggregate' of operation 'a' has both 'groupsOf' and 'groupBy'; " +
    "give one of them",
  ],
  [
    "groupsOf: 0",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupsOf: 0}"],
    "flow.yaml:4:27: 'groupsOf' in 'aggregate' of operation 'a' must be an integer ≥ 1, got 0",
  ],
  [
    "groupsOf: 2.5",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupsOf: 2.5}"],
    "flow.yaml:4:27: 'groupsOf' in 'aggregate' of operation 'a' must be an integer ≥ 1, got 2.5",
  ],
  [
    "descending without sortBy",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupBy: T, descending: true}"],
    "flow.yaml:4:29: 'descending' in 'aggregate' of operation 'a' needs 'sortBy'",
  ],
  [
    "unknown aggregate key",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupsof: 2}"],
    "flow.yaml:4:17: unknown key 'groupsof' in 'aggregate' of operation 'a' " +
    "(did you mean 'groupsOf'?)",
  ],
  [
    "select with an unknown operator",
    [
      "operations:",
      "  a:",
      "    command: x",
      "    aggregate: {groupBy: T, select: {T: {$gtt: 1}}}",
    ],
    "flow.yaml:4:37: 'select' in 'aggregate' of operation 'a': unknown operator '$gtt' in filter " +
    "(did you mean '$gt'?)",
  ],
  [
    "select is a list",
    ["operations:", "  a:", "    command: x", "    aggregate: {groupBy: T, select: [1]}"],
    "flow.yaml:4:37: 'select' in 'aggregate' of operation 'a' must be a filter " +
    "(a map such as {T: {$gt: 1}}), got a list",
  ],
  [
    "unknown hook",
    ["operations:", "  a:", "    command: x", "    hooks: {onSucess: echo}"],
    "flow.yaml:4:13: unknown key 'onSucess' in 'hooks' of operation 'a' " +
    "(did you mean 'onSuccess'?)",
  ],
  [
    "a project hook that is a number",
    ["hooks:", "  onExit: [echo, 3]"],
    "flow.yaml:2:18: hook 'onExit' of the project must be a shell command or a list of them, " +
    "got 3",
  ],
  [
    "cwd with a typo",
    ["operations:", "  a:", "    command: x", "    cwd: projekt"],
    "flow.yaml:4:10: 'cwd' of operation 'a' must be job or project (where the command runs), " +
    "got the string \"projekt\" (did you mean 'project'?)",
  ],
  [
    "label defined with an invalid name",
    ["labels:", "  'a b': {isfile: x}"],
    "flow.yaml:2:3: label name 'a b' is not valid",
  ],
  [
    "an alias without its anchor",
    ["operations:", "  a: {command: x, directives: *gpu}"],
    "flow.yaml:2:31: unknown alias '*gpu' (an anchor '&gpu' must come before it)",
  ],
  [
    "an alias inside the node it names",
    ["labels:", "  l: &c {not: *c}"],
    "flow.yaml:2:15: alias '*c' refers to a node that contains it",
  ],
  [
    "a !!binary value",
    ["labels:", "  l: {doc: {k: !!binary aGk=}}"],
    "flow.yaml:2:25: a value tagged tag:yaml.org,2002:binary is not a JSON value " +
    "(string, number, boolean or null)",
  ],
];

for (const [name, lines, expected] of ERRORS) {
  Deno.test(`error: ${name}`, () => {
    assertEquals(errorOf(lines.join("\n") + "\n"), expected);
  });
}

Deno.test("every error is a ConfigError: a UsageError with exit code 2 and its position", () => {
  const e = assertThrows(
    () => parseFlowYaml("operations:\n  prep:\n    comand: x\n", "/p/flow.yaml"),
    UsageError,
  ) as ConfigError;
  assert(e instanceof ConfigError);
  assertEquals([e.exitCode, e.name, e.file, e.position], [2, "ConfigError", "/p/flow.yaml", {
    line: 3,
    column: 5,
  }]);
  assertEquals(e.detail, "unknown key 'comand' in operation 'prep' (did you mean 'command'?)");
  assertEquals(e.message.split("\n").length, 1);
});

Deno.test("aliases that are not bombs work; an alias bomb is refused at the alias", () => {
  const r = parse([
    "operations:",
    "  a: {command: x, directives: &gpu {ngpu: 1, np: 2}, post: {isfile: a}}",
    "  b: {command: y, directives: *gpu, pre: [{after: a}]}",
    "  a2: {command: x, post: &done [{isfile: done}]}",
    "  b2: {command: y, post: *done, pre: {after: a2}}",
  ]);
  assertEquals(r.operation("b").directives, { ngpu: 1, np: 2 });
  assertEquals(r.operation("b2").post.map((c) => c.description), ["isfile(done)"]);
  const x10 = (alias: string) => Array(10).fill(alias).join(", ");
  const bomb = [
    `a: &a [${x10("x")}]`,
    `b: &b [${x10("*a")}]`,
    `c: &c [${x10("*b")}]`,
    `d: &d [${x10("*c")}]`,
    `e: &e [${x10("*d")}]`,
  ].join("\n");
  // b adds 10 × 11 nodes, c 10 × 111, d 1111 per alias: the 8th *c passes 10 000.
  assertEquals(
    errorOf(bomb),
    "flow.yaml:4:36: aliases expand to more than 10000 nodes (an alias bomb?); " +
      "write the values out instead",
  );
});

Deno.test("merge keys (<<) and x- anchors share settings; the map's own keys win", async () => {
  const lines = [
    "x-mpi: &mpi {np: 4, walltime: 2}",
    "x-op: &op",
    "  command: run {job.id}",
    "  directives: *mpi",
    "  post: [{isfile: done}]",
    "operations:",
    "  a: {<<: *op}",
    "  b:",
    "    <<: *op",
    "    directives: {<<: *mpi, np: 8}",
    "  c: {<<: [*op, {command: never used, pre: [{after: a}]}], command: other}",
    "clusters:",
    "  mine:",
    "    scheduler: slurm",
    "    partitions:",
    "      cpu: {<<: {cpusPerNode: 64, maxNodes: 2}, cpusPerNode: 32, default: true}",
  ];
  const r = parse(lines);
  const directives = (name: string) =>
    resolveDirectives(r.operation(name).directives, NO_JOB, name);
  assertEquals([directives("a").np, directives("a").walltime], [4, 7200]);
  assertEquals([directives("b").np, directives("b").walltime], [8, 7200]);
  assertEquals(r.operation("b").post.map((c) => c.description), ["isfile(done)"]);
  // The first map of a list wins over the later ones, and the map's own keys over all of them.
  assertEquals(r.operation("c").pre.map((c) => c.description), ["after(a)"]);
  const body = r.operation("c").body;
  assertEquals(body.kind === "command" ? body.template.source : "", "other");
  // clusters: read through the parse cache's tree and through the YAML parser, the same.
  await withTempDir(async (dir) => {
    const text = lines.join("\n") + "\n";
    Deno.writeTextFileSync(`${dir}/flow.yaml`, text);
    const cache = `${dir}/cache`;
    await loadFlowYamlCached(`${dir}/flow.yaml`, cache);
    const fromTree = cachedFlowYamlValue(`${dir}/flow.yaml`, text, cache, "clusters")?.value;
    const fromParser = (parseYaml(text, "flow.yaml") as Record<string, unknown>).clusters;
    const cpu = { cpusPerNode: 32, default: true, maxNodes: 2 };
    assertEquals(JSON.parse(JSON.stringify(fromTree)).mine.partitions.cpu, cpu);
    assertEquals(JSON.parse(JSON.stringify(fromParser)).mine.partitions.cpu, cpu);
  });
  assertEquals(
    errorOf("operations:\n  a: {<<: 5, command: x}\n"),
    "flow.yaml:2:11: '<<' in operation 'a' merges maps (an alias of a map, or a list of them), " +
      "got 5",
  );
  // A merged map is checked like one written out, at its own place.
  assertEquals(
    errorOf("x-d: &d {np: 2, bogus: 1}\noperations:\n  a: {command: x, directives: *d}\n"),
    "flow.yaml:1:17: operation 'a': unknown directive 'bogus'",
  );
  assertEquals(
    errorOf("y-d: 1\noperations: {}\n"),
    "flow.yaml:1:1: unknown key 'y-d' at the top level (expected operations, labels, groups, " +
      "hooks, clusters)",
  );
});

Deno.test("a text or a file over MAX_FLOW_YAML_BYTES is refused before parsing", async () => {
  assertEquals(
    errorOf("#" + " ".repeat(MAX_FLOW_YAML_BYTES)),
    `flow.yaml: the file is larger than 1 MiB (${MAX_FLOW_YAML_BYTES + 1} bytes); ` +
      `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
  );
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  const accents = "#" + "é".repeat(MAX_FLOW_YAML_BYTES / 2);
  assert(accents.length <= MAX_FLOW_YAML_BYTES);
  assertEquals(
    errorOf(accents),
    `flow.yaml: the file is larger than 1 MiB (${MAX_FLOW_YAML_BYTES + 1} bytes); ` +
      `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
  );
  // Exactly at the limit is fine.
  assertEquals(parseFlowYaml("#" + " ".repeat(MAX_FLOW_YAML_BYTES - 1), PATH).names, []);
  await withTempDir((dir) => {
    const path = `${dir}/flow.yaml`;
    Deno.writeTextFileSync(path, "operations: {}\n" + "#".repeat(MAX_FLOW_YAML_BYTES));
    const e = assertThrows(() => loadFlowYaml(path), ConfigError);
    // The size is the file's, though no more than MAX_FLOW_YAML_BYTES + 1 bytes are read.
    assertEquals(
      e.message,
      `${path}: the file is larger than 1 MiB (${MAX_FLOW_YAML_BYTES + 15} bytes); ` +
        `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
    );
  });
});

Deno.test("loadFlowYaml reads the file, and names it when it cannot", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/flow.yaml`;
    Deno.writeTextFileSync(path, "operations:\n  a: {command: echo a, post: {isfile: a}}\n");
    assertEquals(loadFlowYaml(path).operation("a").post[0].description, "isfile(a)");
    const missing = assertThrows(() => loadFlowYaml(`${dir}/nope.yaml`), UsageError);
    assert(!(missing instanceof ConfigError));
    assertEquals(missing.message, `${dir}/nope.yaml: cannot read the workflow file: no such file`);
    Deno.mkdirSync(`${dir}/folder.yaml`);
    assertThrows(
      () => loadFlowYaml(`${dir}/folder.yaml`),
      UsageError,
      `${dir}/folder.yaml: cannot read the workflow file`,
    );
    Deno.writeFileSync(path, new Uint8Array([0x6f, 0x70, 0xff, 0x3a, 0x0a]));
    assertEquals(
      assertThrows(() => loadFlowYaml(path), ConfigError).message,
      `${path}: the file is not valid UTF-8 text`,
    );
    Deno.writeTextFileSync(path, "operations:\n  a:\n    comand: x\n");
    assertEquals(
      assertThrows(() => loadFlowYaml(path), ConfigError).message,
      `${path}:3:5: unknown key 'comand' in operation 'a' (did you mean 'command'?)`,
    );
  });
});

Deno.test("the schema example in the module documentation is a valid flow.yaml", () => {
  const source = Deno.readTextFileSync(
    new URL("../../src/config/flow_yaml.ts", import.meta.url),
  );
  const block = /```yaml\n([\s\S]*?) \* ```/.exec(source);
  assert(block, "no yaml block in the module documentation");
  const yaml = block[1].split("\n").map((l) => l.replace(/^ \* ?/, "")).join("\n");
  const r = parseFlowYaml(yaml, "doc.yaml");
  assertEquals(r.names, ["prepare", "simulate", "summarize", "pipeline"]);
  assertEquals(r.labels.map(([name]) => name), ["simulated"]);
  assertEquals(r.hooks.onStart.length, 1);
});

Deno.test("an unquoted command with placeholders inside an inline map gets a hint", () => {
  const e = assertThrows(
    () =>
      parseFlowYaml(
        "operations:\n  a: {command: echo {job.id}, post: [{isfile: x}]}\n",
        "flow.yaml",
      ),
    ConfigError,
  );
  assertStringIncludes(e.message, "must be quoted");
});
