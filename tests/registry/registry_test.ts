import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { op, withJobs } from "./_fixtures.ts";
import { groupBy, groupsOf, single } from "../../src/registry/aggregate.ts";
import {
  after,
  docEquals,
  docFalse,
  docTrue,
  fn,
  isFile,
  never,
  not,
  sh,
} from "../../src/registry/condition.ts";
import { Evaluator } from "../../src/registry/eligibility.ts";
import { DefinitionError } from "../../src/registry/error.ts";
import type { Operation } from "../../src/registry/operation.ts";
import { Registry } from "../../src/registry/registry.ts";
import { UsageError } from "../../src/errors.ts";

/** The seed workflow: op1 {ngpu: 1, np: 4}, op2, op3, and group ex = [op1 {ngpu: 2}, op2]. */
function seed(): Registry {
  const r = new Registry();
  r.addOperation(op("op1", { directives: { ngpu: 1, np: 4 }, post: [isFile("1")] }));
  r.addOperation(op("op2", { directives: { memory: "4G" }, post: [isFile("2")] }));
  r.addOperation(op("op3", { post: [isFile("3")] }));
  r.addGroup("ex", { runOptions: { parallel: true }, submitOptions: "--qos high" });
  r.addToGroup("ex", "op1", { ngpu: 2 });
  r.addToGroup("ex", "op2");
  r.validate();
  return r;
}

/** The message of the DefinitionError that `fn` throws. */
function definitionError(fn: () => unknown): string {
  return assertThrows(fn, DefinitionError).message;
}

Deno.test("DefinitionError is a UsageError with exit code 2", () => {
  const e = new DefinitionError("x");
  assert(e instanceof UsageError);
  assertEquals(e.exitCode, 2);
  assertEquals(e.name, "DefinitionError");
});

Deno.test("names: letters, digits, '_', '.', '-', starting with a letter or '_'", () => {
  const valid = ["a", "A9", "_x", "op.v2-final_1", "__", "prepare"];
  for (const name of valid) {
    const r = new Registry();
    r.addOperation(op(name));
    r.addGroup(`${name}_group`);
    r.addLabel(`${name}_label`, never);
    assertEquals(r.names, [name, `${name}_group`]);
  }
  const invalid = ["", "1op", "op 1", "op/1", "-x", ".x", "a*b", "é", "op\n", "a:b", "{x}"];
  for (const name of invalid) {
    const suffix = "is not valid (letters, digits, '_', '.', '-'; starting with a letter or '_')";
    assertEquals(
      definitionError(() => new Registry().addOperation(op(name))),
      `operation name '${name}' ${suffix}`,
    );
    assertEquals(
      definitionError(() => new Registry().addGroup(name)),
      `group name '${name}' ${suffix}`,
    );
    assertEquals(
      definitionError(() => new Registry().addLabel(name, never)),
      `label name '${name}' is not valid`,
    );
  }
});

Deno.test("operations and groups share one namespace; a clash names both kinds", () => {
  const table: ["operation" | "group", "operation" | "group", string][] = [
    ["operation", "operation", "operation 'x' clashes with the operation of the same name"],
    ["operation", "group", "group 'x' clashes with the operation of the same name"],
    ["group", "operation", "operation 'x' clashes with the group of the same name"],
    ["group", "group", "group 'x' clashes with the group of the same name"],
  ];
  for (const [first, second, message] of table) {
    const r = new Registry();
    const add = (kind: "operation" | "group") =>
      kind === "operation" ? r.addOperation(op("x")) : r.addGroup("x");
    add(first);
    assertEquals(definitionError(() => add(second)), message);
    assertEquals(r.names, ["x"], "the refused definition left no trace");
  }
});

Deno.test("labels: defined once each, kept in order", () => {
  const r = new Registry();
  r.addLabel("ready", docTrue("ready"));
  r.addLabel("done", isFile("out"));
  assertEquals(definitionError(() => r.addLabel("ready", never)), "label 'ready' is defined twice");
  assertEquals(r.labels.map(([name, c]) => [name, c.description]), [
    ["ready", "doc.ready is true"],
    ["done", "isfile(out)"],
  ]);
});

Deno.test("addToGroup: unknown group, operation added twice", () => {
  const r = new Registry();
  r.addOperation(op("op1"));
  r.addGroup("ex");
  assertEquals(definitionError(() => r.addToGroup("nope", "op1")), "unknown group 'nope'");
  assertEquals(
    definitionError(() => r.addToGroup("op1", "op1")),
    "unknown group 'op1'",
    "an operation's singleton group is not a defined group",
  );
  r.addToGroup("ex", "op1");
  assertEquals(
    definitionError(() => r.addToGroup("ex", "op1", { ngpu: 2 })),
    "group 'ex' adds operation 'op1' twice",
  );
  assertEquals(r.group("ex").members, [{ operation: "op1", directives: {} }]);
});

Deno.test("validate() names the first problem of a definition", () => {
  const ok = () => op("prep", { post: [isFile("in")] });
  const table: [string, (r: Registry) => void, string][] = [
    [
      "group with an unknown operation (close to a known one)",
      (r) => {
        r.addOperation(op("op1"));
        r.addOperation(op("op2"));
        r.addGroup("ex");
        r.addToGroup("ex", "op1");
        r.addToGroup("ex", "op3");
      },
      "group 'ex' adds unknown operation 'op3' (did you mean 'op1'?)",
    ],
    [
      "group with an unknown operation (nothing close)",
      (r) => {
        r.addOperation(op("op1"));
        r.addGroup("ex");
        r.addToGroup("ex", "zzzzz");
      },
      "group 'ex' adds unknown operation 'zzzzz'",
    ],
    [
      "group with no operations",
      (r) => {
        r.addOperation(op("op1"));
        r.addGroup("ex");
      },
      "group 'ex' has no operations",
    ],
    [
      "group mixing aggregators",
      (r) => {
        r.addOperation(op("op1"));
        r.addOperation(op("op2", { aggregator: groupsOf(2) }));
        r.addGroup("ex");
        r.addToGroup("ex", "op1");
        r.addToGroup("ex", "op2");
      },
      "group 'ex' mixes aggregators: 'op1' uses each job, 'op2' uses groupsOf(2)",
    ],
    [
      "group mixing two groupsOf sizes",
      (r) => {
        r.addOperation(op("op1", { aggregator: groupsOf(3) }));
        r.addOperation(op("op2", { aggregator: groupsOf(3) }));
        r.addOperation(op("op3", { aggregator: groupBy("T") }));
        r.addGroup("ex");
        r.addToGroup("ex", "op1");
        r.addToGroup("ex", "op2");
        r.addToGroup("ex", "op3");
      },
      "group 'ex' mixes aggregators: 'op1' uses groupsOf(3), 'op3' uses groupBy(T)",
    ],
    [
      "precondition after an unknown operation",
      (r) => {
        r.addOperation(ok());
        r.addOperation(op("sim", { pre: [after("prepp")] }));
      },
      "operation 'sim' precondition: after unknown operation 'prepp' (did you mean 'prep'?)",
    ],
    [
      "postcondition after an unknown operation",
      (r) => {
        r.addOperation(ok());
        r.addOperation(op("sim", { post: [isFile("x"), after("prep", "nothing_like_it")] }));
      },
      "operation 'sim' postcondition: after unknown operation 'nothing_like_it'",
    ],
    [
      "after inside not",
      (r) => {
        r.addOperation(ok());
        r.addOperation(op("sim", { pre: [not(after("pre"))] }));
      },
      "operation 'sim' precondition: after unknown operation 'pre' (did you mean 'prep'?)",
    ],
    [
      "label after an unknown operation",
      (r) => {
        r.addOperation(ok());
        r.addLabel("prepared", after("prep", "other"));
      },
      "label 'prepared': after unknown operation 'other'",
    ],
    [
      "after an operation without postconditions",
      (r) => {
        r.addOperation(op("prep"));
        r.addOperation(op("sim", { pre: [after("prep")] }));
      },
      "operation 'sim' precondition: after 'prep', but operation 'prep' has no postconditions, so it never completes",
    ],
    [
      "label after an operation without postconditions",
      (r) => {
        r.addOperation(op("prep"));
        r.addLabel("prepared", after("prep"));
      },
      "label 'prepared': after 'prep', but operation 'prep' has no postconditions, so it never completes",
    ],
    [
      "a cycle through preconditions",
      (r) => {
        r.addOperation(ok());
        r.addOperation(op("a", { pre: [after("prep", "b")], post: [isFile("a")] }));
        r.addOperation(op("b", { pre: [after("c")], post: [isFile("b")] }));
        r.addOperation(op("c", { pre: [not(after("a"))], post: [isFile("c")] }));
      },
      "'after' conditions form a cycle: a → b → c → a",
    ],
    [
      "an operation after itself",
      (r) => {
        r.addOperation(op("a", { pre: [after("a")], post: [isFile("a")] }));
      },
      "'after' conditions form a cycle: a → a",
    ],
    [
      "a cycle through postconditions (evaluating it would never end)",
      (r) => {
        r.addOperation(op("a", { post: [isFile("a"), after("b")] }));
        r.addOperation(op("b", { post: [after("a")] }));
      },
      "'after' postconditions form a cycle: a → b → a",
    ],
  ];
  for (const [what, define, message] of table) {
    const r = new Registry();
    define(r);
    assertEquals(definitionError(() => r.validate()), message, what);
  }
});

Deno.test("validate() accepts sound definitions", async () => {
  const r = new Registry();
  r.addOperation(op("prep", { post: [isFile("in")] }));
  r.addOperation(op("left", { pre: [after("prep")], post: [isFile("l")] }));
  r.addOperation(op("right", { pre: [after("prep")], post: [isFile("r")] }));
  r.addOperation(op("join", { pre: [after("left", "right")], post: [never] }));
  r.addOperation(op("pairs1", { aggregator: groupsOf(2) }));
  r.addOperation(op("pairs2", { aggregator: groupsOf(2) }));
  r.addGroup("pairs");
  r.addToGroup("pairs", "pairs1");
  r.addToGroup("pairs", "pairs2");
  // A precondition after b while b's postcondition reads a is not a cycle of
  // evaluation: b can complete by making a's postconditions true.
  r.addOperation(op("a", { pre: [after("b")], post: [isFile("x")] }));
  r.addOperation(op("b", { post: [isFile("y"), after("a")] }));
  r.addLabel("prepared", after("prep"));
  r.validate();
  await withJobs([{ i: 0 }], async (jobs) => {
    const job = jobs[0];
    const ev = new Evaluator(r);
    const agg = { id: job.id, jobs: [job] };
    assertEquals(await ev.operationState(r.operation("a"), agg), {
      eligible: false,
      complete: false,
    });
    Deno.writeTextFileSync(job.fn("x"), "");
    Deno.writeTextFileSync(job.fn("y"), "");
    ev.forget([job]);
    assertEquals(await ev.operationState(r.operation("b"), agg), {
      eligible: false,
      complete: true,
    });
  });
});

Deno.test("select() without patterns: every operation's singleton group, in registration order", () => {
  const r = seed();
  for (const patterns of [undefined, []]) {
    const groups = r.select(patterns);
    assertEquals(groups.map((g) => [g.name, g.singleton]), [
      ["op1", true],
      ["op2", true],
      ["op3", true],
    ]);
    assertEquals(groups[0].members, [{ operation: "op1", directives: {} }]);
  }
});

Deno.test("select() patterns are regular expressions matching whole names", () => {
  const r = seed();
  const table: [string[], string[]][] = [
    [["op1"], ["op1"]],
    [["ex"], ["ex"]],
    [["op[12]"], ["op1", "op2"]],
    [["op.*"], ["op1", "op2", "op3"]],
    [["op\\d"], ["op1", "op2", "op3"]],
    [["op3|ex"], ["op3", "ex"]],
    [["e."], ["ex"]],
    [["op2", "op[12]"], ["op2", "op1"]],
    [["op3", "op3"], ["op3"]],
    [["ex", "op3"], ["ex", "op3"]],
  ];
  for (const [patterns, names] of table) {
    assertEquals(r.select(patterns).map((g) => g.name), names, patterns.join(" "));
  }
  const ex = r.select(["ex"])[0];
  assertEquals(ex.singleton, false);
  assertEquals(ex.members.map((m) => m.operation), ["op1", "op2"]);
});

Deno.test("select() errors: no match (with suggestion), invalid regex, shared operations", () => {
  const r = seed();
  const table: [string[], string][] = [
    [["op"], "unknown operation or group 'op' (did you mean 'op1'?)"],
    [["p1"], "unknown operation or group 'p1' (did you mean 'op1'?)"],
    [["op11"], "unknown operation or group 'op11' (did you mean 'op1'?)"],
    [["exx"], "unknown operation or group 'exx' (did you mean 'ex'?)"],
    [["OP1"], "unknown operation or group 'OP1' (did you mean 'op1'?)"],
    [["zzzzzz"], "unknown operation or group 'zzzzzz'"],
    [["op1", "nope_at_all"], "unknown operation or group 'nope_at_all'"],
    [["op("], "-o 'op(' is not a valid regular expression: "],
    [["[a-"], "-o '[a-' is not a valid regular expression: "],
    [
      ["ex", "op1"],
      "the selection contains groups 'ex' and 'op1', which share operation 'op1'; select one of them",
    ],
    [
      ["op2", "ex"],
      "the selection contains groups 'op2' and 'ex', which share operation 'op2'; select one of them",
    ],
    [
      [".*"],
      "the selection contains groups 'op1' and 'ex', which share operation 'op1'; select one of them",
    ],
  ];
  for (const [patterns, message] of table) {
    const got = definitionError(() => r.select(patterns));
    if (message.endsWith(": ")) {
      assert(got.startsWith(message) && got.length > message.length, got);
    } else assertEquals(got, message, patterns.join(" "));
  }
  assertEquals(
    r.select(["ex", "op3"]).length,
    2,
    "groups sharing nothing may be selected together",
  );
});

Deno.test("two defined groups sharing an operation cannot be selected together", () => {
  const r = seed();
  r.addGroup("ex2");
  r.addToGroup("ex2", "op3");
  r.addToGroup("ex2", "op2");
  r.validate();
  assertEquals(
    definitionError(() => r.select(["ex.*"])),
    "the selection contains groups 'ex' and 'ex2', which share operation 'op2'; select one of them",
  );
  assertEquals(r.select(["ex2", "op1"]).map((g) => g.name), ["ex2", "op1"]);
});

Deno.test("group(), operation(), groups, names, operations", () => {
  const r = seed();
  assertEquals(r.names, ["op1", "op2", "op3", "ex"]);
  assertEquals(r.operations.map((o) => o.name), ["op1", "op2", "op3"]);
  assertEquals(r.groups.map((g) => [g.name, g.singleton]), [
    ["op1", true],
    ["op2", true],
    ["op3", true],
    ["ex", false],
  ]);
  assertEquals(r.group("ex"), {
    name: "ex",
    members: [
      { operation: "op1", directives: { ngpu: 2 } },
      { operation: "op2", directives: {} },
    ],
    runOptions: { parallel: true },
    submitOptions: "--qos high",
    singleton: false,
  });
  assertEquals(r.group("op3"), {
    name: "op3",
    members: [{ operation: "op3", directives: {} }],
    runOptions: {},
    submitOptions: "",
    singleton: true,
  });
  assertEquals(r.operation("op2").directives, { memory: "4G" });
  assertEquals(
    definitionError(() => r.group("exe")),
    "unknown operation or group 'exe' (did you mean 'ex'?)",
  );
  assertEquals(
    definitionError(() => r.operation("ex")),
    "unknown operation 'ex'",
  );
  assertEquals(
    definitionError(() => r.operation("op4")),
    "unknown operation 'op4' (did you mean 'op1'?)",
  );
  // A caller changing a returned group changes nothing in the registry.
  (r.group("ex").members as unknown[]).pop();
  assertEquals(r.group("ex").members.length, 2);
});

Deno.test("memberDirectives merges the group's directives over the operation's, key by key", () => {
  const r = seed();
  const table: [string, string, Record<string, unknown>][] = [
    ["ex", "op1", { ngpu: 2, np: 4 }],
    ["op1", "op1", { ngpu: 1, np: 4 }],
    ["ex", "op2", { memory: "4G" }],
    ["op2", "op2", { memory: "4G" }],
    ["ex", "op3", {}], // not a member: its own directives
  ];
  for (const [group, operation, expected] of table) {
    assertEquals(r.memberDirectives(r.group(group), operation), expected, `${group}/${operation}`);
  }
  assertEquals(r.operation("op1").directives, { ngpu: 1, np: 4 }, "the operation is unchanged");
  assertEquals(
    definitionError(() => r.memberDirectives(r.group("ex"), "op9")),
    "unknown operation 'op9' (did you mean 'op1'?)",
  );
});

Deno.test("a group's directives may reset, override or add keys", () => {
  const r = new Registry();
  r.addOperation(op("op1", { directives: { ngpu: 1, np: 4, walltime: "01:00:00" } }));
  r.addGroup("g");
  r.addToGroup("g", "op1", { np: undefined, walltime: null, memory: "2G" } as never);
  assertEquals(r.memberDirectives(r.group("g"), "op1"), {
    ngpu: 1,
    np: 4,
    walltime: null,
    memory: "2G",
  });
});

Deno.test("addGroup copies its run options", () => {
  const runOptions = { parallel: false };
  const r = new Registry();
  r.addOperation(op("a", { aggregator: single }));
  r.addGroup("g", { runOptions });
  r.addToGroup("g", "a");
  runOptions.parallel = true;
  assertEquals(r.group("g").runOptions, { parallel: false });
  assertEquals(r.group("g").submitOptions, "");
});

/** A registry of these operations. */
function withOps(...ops: Operation[]): Registry {
  const r = new Registry();
  for (const o of ops) r.addOperation(o);
  return r;
}

Deno.test("readsStatePoints(): only built-ins on files, documents and after, one job at a time, read none", () => {
  const cases: [string, () => Registry, boolean][] = [
    ["nothing defined", () => new Registry(), false],
    ["the seed workflow (isfile)", seed, false],
    [
      "doc, not, never, after, isfile with a path",
      () => {
        const r = new Registry();
        r.addOperation(op("a", { post: [docTrue("x"), docFalse("y"), docEquals("z", 1)] }));
        r.addOperation(op("b", { pre: [after("a"), not(isFile("lock"))], post: [isFile("d/o")] }));
        r.addOperation(op("c", { pre: [never] }));
        r.addLabel("done", not(docTrue("failed")));
        return r;
      },
      false,
    ],
    [
      "a shell condition",
      () => withOps(op("a", { post: [sh("test -f {job.sp.name}")] })),
      true,
    ],
    [
      "a TypeScript function as a precondition",
      () => withOps(op("a", { pre: [fn((job) => job.sp.T === 1)] })),
      true,
    ],
    [
      "not() of a function",
      () => withOps(op("a", { post: [not(fn(() => true))] })),
      true,
    ],
    [
      "a label that is a function",
      () => {
        const r = new Registry();
        r.addOperation(op("a", { post: [isFile("a")] }));
        r.addLabel("hot", fn((job) => Number(job.sp.T) > 1));
        return r;
      },
      true,
    ],
    [
      "groupsOf aggregation",
      () => withOps(op("a", { post: [isFile("a")], aggregator: groupsOf(2) })),
      true,
    ],
    [
      "groupBy aggregation",
      () => withOps(op("a", { aggregator: groupBy("T") })),
      true,
    ],
    [
      "a condition object without the mark",
      () => withOps(op("a", { post: [{ ...isFile("a"), ignoresStatePoint: undefined }] })),
      true,
    ],
  ];
  for (const [what, make, expected] of cases) {
    assertEquals(make().readsStatePoints(), expected, what);
  }
});

Deno.test("usesConditionCache(): true when some operation has a file or document condition", () => {
  const cases: [string, () => Registry, boolean][] = [
    ["nothing defined", () => new Registry(), false],
    ["no conditions", () => withOps(op("a", {})), false],
    ["the seed workflow (isfile)", seed, true],
    ["a document postcondition", () => withOps(op("a", { post: [docTrue("done")] })), true],
    ["isfile under not()", () => withOps(op("a", { pre: [not(isFile("lock"))] })), true],
    ["never", () => withOps(op("a", { pre: [never] })), false],
    ["a shell condition", () => withOps(op("a", { post: [sh("test -f x")] })), false],
    ["a TypeScript function", () => withOps(op("a", { post: [fn(() => true)] })), false],
    [
      "only labels on files (labels are not eligibility)",
      () => {
        const r = withOps(op("a", {}));
        r.addLabel("done", isFile("x"));
        return r;
      },
      false,
    ],
  ];
  for (const [what, make, expected] of cases) {
    assertEquals(make().usesConditionCache(), expected, what);
  }
});
