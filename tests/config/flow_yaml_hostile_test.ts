/**
 * Hostile and broken flow.yaml files: each gives one ConfigError whose one-line
 * message names `file:line:column` where a node shows the problem, and
 * `flow status` on a project holding it exits 2 with that one line on stderr
 * and changes nothing on disk. Time bounds here are hang guards, not
 * benchmarks.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { copyDir, flow, snapshot, withTempDir } from "../_helpers.ts";
import { ConfigError, MAX_FLOW_YAML_BYTES, parseFlowYaml } from "../../src/config/flow_yaml.ts";

/** A hostile input: the text of flow.yaml and the whole message it must give. */
interface Hostile {
  readonly name: string;
  readonly text: string;
  readonly message: string;
}

/** The classic "billion laughs": 9 levels of 9 aliases, 9^9 strings once expanded. */
function billionLaughs(): string {
  const lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i <= 9; i++) {
    lines.push(`lol${i}: &lol${i} [${Array(9).fill(`*lol${i - 1}`).join(", ")}]`);
  }
  return "labels:\n  l:\n    doc:\n" + lines.map((l) => "      " + l).join("\n") + "\n";
}

/** One anchored list of 2,000 items referenced 1,000 times: quadratic, not exponential. */
function quadraticBlowup(): string {
  const big = `[${Array(2000).fill("x").join(", ")}]`;
  const refs = Array(1000).fill("*big").join(", ");
  return `labels:\n  l:\n    doc:\n      big: &big ${big}\n      refs: [${refs}]\n`;
}

/** `n` operations; the last one has the name of the first. */
function manyOperationsLastDuplicate(n: number): string {
  const lines = ["operations:"];
  for (let i = 0; i < n; i++) lines.push(`  op${i}: {command: x}`);
  lines.push("  op0: {command: y}");
  return lines.join("\n") + "\n";
}

const HOSTILE: readonly Hostile[] = [
  // ----------------------------------------------------------- YAML syntax
  {
    name: "syntax: unclosed flow map",
    text: "operations:\n  a: {command: x\nlabels: {}\n",
    message: "flow.yaml:3:1: invalid YAML: Flow map in block collection must be sufficiently " +
      "indented and end with a }",
  },
  {
    name: "syntax: tab indentation",
    text: "operations:\n\ta: {command: x}\n",
    message: "flow.yaml:2:1: invalid YAML: Tabs are not allowed as indentation",
  },
  {
    name: "syntax: unterminated quoted string",
    text: 'operations:\n  a: {command: "echo hi}\n',
    message: 'flow.yaml:3:1: invalid YAML: Missing closing "quote',
  },
  {
    name: "syntax: two documents",
    text: "operations: {}\n---\nlabels: {}\n",
    message: "flow.yaml:2:1: invalid YAML: a second document starts here ('---'); the file " +
      "must hold one document",
  },
  {
    name: "syntax: a raw control character",
    text: "operations:\n  a:\n    command: echo \u0007\n",
    message: "flow.yaml:3:19: invalid YAML: control character U+0007 (YAML allows only tab, " +
      "line feed and carriage return; write other characters as escapes in a double-quoted string)",
  },
  {
    name: "syntax: an unknown tag",
    text: "operations:\n  a:\n    command: !!python/object:os.system echo\n",
    message:
      "flow.yaml:3:14: invalid YAML: Unresolved tag: tag:yaml.org,2002:python/object:os.system " +
      "(flow.yaml takes plain YAML values, without tags)",
  },
  // ----------------------------------------------------------- wrong types
  {
    name: "type: operations is a list",
    text: "operations: [a, b]\n",
    message:
      "flow.yaml:1:13: 'operations' must be a map of operation names to operations, got a list",
  },
  {
    name: "type: command is a number",
    text: "operations:\n  a:\n    command: 42\n",
    message: "flow.yaml:3:14: 'command' of operation 'a' must be a shell command, got 42",
  },
  {
    name: "type: np is a string",
    text: "operations:\n  a:\n    command: x\n    directives: {np: '2'}\n",
    message:
      "flow.yaml:4:22: operation 'a': directive 'np' must be an integer ≥ 1, got the string \"2\"",
  },
  {
    name: "type: parallel is a string",
    text: "operations:\n  a: {command: x}\ngroups:\n  g: {operations: [a], parallel: yes}\n",
    message:
      "flow.yaml:4:34: 'parallel' of group 'g' must be true or false, got the string \"yes\"",
  },
  {
    name: "type: a NUL character in a command",
    text: 'operations:\n  a:\n    command: "echo \\0"\n',
    message:
      "flow.yaml:3:14: 'command' of operation 'a' must not contain a NUL character (\"\\0\")",
  },
  // ----------------------------------------------------------- unknown keys
  {
    name: "unknown key: comand",
    text: "operations:\n  a:\n    comand: x\n",
    message: "flow.yaml:3:5: unknown key 'comand' in operation 'a' (did you mean 'command'?)",
  },
  {
    name: "unknown key: operation at the top level",
    text: "operation:\n  a: {command: x}\n",
    message: "flow.yaml:1:1: unknown key 'operation' at the top level (did you mean 'operations'?)",
  },
  {
    name: "unknown key: a directive",
    text: "operations:\n  a:\n    command: x\n    directives: {ngpus: 1}\n",
    message: "flow.yaml:4:18: operation 'a': unknown directive 'ngpus' (did you mean 'ngpu'?)",
  },
  {
    name: "unknown key: a condition",
    text: "operations:\n  a:\n    command: x\n    post: [{isFile: out}]\n",
    message: "flow.yaml:4:13: unknown condition 'isFile' in a postcondition of operation 'a' " +
      "(did you mean 'isfile'?)",
  },
  {
    name: "unknown key: a line break in a key stays on one line",
    text: '"operations\\n": {}\n',
    message:
      "flow.yaml:1:1: unknown key 'operations\\n' at the top level (did you mean 'operations'?)",
  },
  // ----------------------------------------------------------- cycles in after
  {
    name: "cycle: a → b → a",
    text: [
      "operations:",
      "  a: {command: x, pre: {after: b}, post: {isfile: a}}",
      "  b: {command: y, pre: {after: a}, post: {isfile: b}}",
    ].join("\n") + "\n",
    message: "flow.yaml:2:32: 'after' conditions form a cycle: a → b → a",
  },
  {
    name: "cycle: an operation after itself",
    text: "operations:\n  a: {command: x, pre: {after: a}, post: {isfile: a}}\n",
    message: "flow.yaml:2:32: 'after' conditions form a cycle: a → a",
  },
  {
    name: "cycle: through a list of after",
    text: [
      "operations:",
      "  a: {command: x, post: {isfile: a}}",
      "  b: {command: y, pre: {after: [a, c]}, post: {isfile: b}}",
      "  c: {command: z, pre: [{after: b}], post: {isfile: c}}",
    ].join("\n") + "\n",
    message: "flow.yaml:3:36: 'after' conditions form a cycle: b → c → b",
  },
  // ----------------------------------------------------------- names given twice
  {
    name: "duplicate: an operation defined twice",
    text: "operations:\n  a: {command: x}\n  a: {command: y}\n",
    message: "flow.yaml:3:3: invalid YAML: key 'a' appears twice in the same map " +
      "(first at line 2, column 3)",
  },
  {
    name: "duplicate: a group defined twice",
    text:
      "operations:\n  a: {command: x}\ngroups:\n  g: {operations: [a]}\n  g: {operations: [a]}\n",
    message: "flow.yaml:5:3: invalid YAML: key 'g' appears twice in the same map " +
      "(first at line 4, column 3)",
  },
  {
    name: "duplicate: a key of an inline map",
    text: "operations:\n  a: {command: x, command: y}\n",
    message: "flow.yaml:2:19: invalid YAML: key 'command' appears twice in the same map " +
      "(first at line 2, column 7)",
  },
  {
    name: "duplicate: a group named like an operation",
    text: "operations:\n  a: {command: x}\ngroups:\n  a: {operations: [a]}\n",
    message: "flow.yaml:4:3: group 'a' clashes with the operation of the same name",
  },
  {
    name: "duplicate: 30,000 operations, the last named like the first (found in linear time)",
    text: manyOperationsLastDuplicate(30_000),
    message: "flow.yaml:30002:3: invalid YAML: key 'op0' appears twice in the same map " +
      "(first at line 2, column 3)",
  },
  // ----------------------------------------------------------- unknown operations
  {
    name: "group: an unknown operation in a list",
    text: "operations:\n  simulate: {command: x}\ngroups:\n  g: {operations: [simulat]}\n",
    message:
      "flow.yaml:4:20: group 'g' adds unknown operation 'simulat' (did you mean 'simulate'?)",
  },
  {
    name: "group: an unknown operation in a map",
    text:
      "operations:\n  simulate: {command: x}\ngroups:\n  g:\n    operations:\n      simulte: {}\n",
    message: "flow.yaml:6:7: group 'g' adds unknown operation 'simulte' (did you mean 'simulate'?)",
  },
  {
    name: "after: an unknown operation",
    text:
      "operations:\n  prepare: {command: x, post: {isfile: a}}\n  run: {command: y, pre: {after: prepar}}\n",
    message: "flow.yaml:3:34: operation 'run' precondition: after unknown operation 'prepar' " +
      "(did you mean 'prepare'?)",
  },
  // ----------------------------------------------------------- aliases, size, depth
  {
    name: "bomb: billion laughs",
    text: billionLaughs(),
    message: "flow.yaml:8:20: aliases expand to more than 10000 nodes (an alias bomb?); " +
      "write the values out instead",
  },
  {
    name: "bomb: one big anchor referenced a thousand times",
    text: quadraticBlowup(),
    message: "flow.yaml:5:38: aliases expand to more than 10000 nodes (an alias bomb?); " +
      "write the values out instead",
  },
  {
    name: "alias: without its anchor",
    text: "operations:\n  a: {command: x, directives: *gpu}\n",
    message: "flow.yaml:2:31: unknown alias '*gpu' (an anchor '&gpu' must come before it)",
  },
  {
    name: "alias: inside the node it names",
    text: "labels:\n  l: &c {not: *c}\n",
    message: "flow.yaml:2:15: alias '*c' refers to a node that contains it",
  },
  {
    name: "size: a file over 1 MiB",
    text: "operations: {}\n" + "#".repeat(MAX_FLOW_YAML_BYTES),
    message: `flow.yaml: the file is larger than 1 MiB (${MAX_FLOW_YAML_BYTES + 15} bytes); ` +
      `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
  },
  {
    name: "depth: lists nested 100,000 levels deep",
    text: "operations: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n",
    message: "",
  },
];

/** The message of the ConfigError that parsing `text` raises, and how long that took. */
function refusal(text: string): { message: string; ms: number } {
  const start = performance.now();
  let caught: unknown;
  try {
    parseFlowYaml(text, "flow.yaml");
  } catch (e) {
    caught = e;
  }
  const ms = performance.now() - start;
  assert(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  return { message: caught.message, ms };
}

/** Hang guard: a refusal must come fast, whatever the input (not a benchmark). */
const HANG_GUARD_MS = 5000;

for (const h of HOSTILE) {
  Deno.test(`hostile flow.yaml: ${h.name}`, () => {
    const { message, ms } = refusal(h.text);
    assertEquals(message.split("\n").length, 1, message);
    if (h.message === "") {
      // The position depends on where the parser ran out of stack.
      assert(
        /^flow\.yaml:\d+:\d+: invalid YAML: lists or maps are nested too deeply$/.test(message),
        message,
      );
    } else assertEquals(message, h.message);
    assert(ms < HANG_GUARD_MS, `${h.name}: refused after ${ms.toFixed(0)} ms`);
  });
}

// ------------------------------------------------------------------ through the command line

/** Runs `fn` on `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}

/** A project with two jobs, to copy for each case. */
async function template(dir: string): Promise<string> {
  const root = `${dir}/template`;
  const init = await flow(["init", root]);
  assertEquals(init.code, 0, init.stderr);
  const jobs = await flow(["job", "create", '{"T": 1}', '{"T": 2.0}'], { cwd: root });
  assertEquals(jobs.code, 0, jobs.stderr);
  return root;
}

/** Checks that `flow status` in `root` fails with exactly `expected` and changes nothing. */
async function statusRefuses(root: string, expected: string | RegExp): Promise<void> {
  const before = snapshot(root);
  const r = await flow(["status"], { cwd: root });
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.stdout, "");
  assert(r.stderr.endsWith("\n") && r.stderr.split("\n").length === 2, r.stderr);
  const line = r.stderr.slice(0, -1);
  if (typeof expected === "string") assertEquals(line, expected);
  else assert(expected.test(line), line);
  assertEquals(snapshot(root), before);
}

Deno.test("flow status on each hostile flow.yaml: exit 2, one line on stderr, nothing changed", async () => {
  await withTempDir(async (dir) => {
    const base = await template(dir);
    const cases: [string, string | Uint8Array, (path: string) => string | RegExp][] = HOSTILE.map(
      (h) => [
        h.name,
        h.text,
        (path: string) =>
          h.message === ""
            ? new RegExp(
              `^flow: error: ${path}:\\d+:\\d+: invalid YAML: lists or maps are nested too deeply$`,
            )
            : `flow: error: ${path}${h.message.slice("flow.yaml".length)}`,
      ],
    );
    cases.push([
      "not UTF-8",
      new Uint8Array([0x6f, 0x70, 0xff, 0x3a, 0x0a]),
      (path) => `flow: error: ${path}: the file is not valid UTF-8 text`,
    ]);
    let n = 0;
    await pool(
      cases,
      Math.max(2, navigator.hardwareConcurrency),
      async ([name, text, expected]) => {
        const root = `${dir}/case${n++}`;
        copyDir(base, root);
        const path = `${Deno.realPathSync(root)}/flow.yaml`;
        if (typeof text === "string") Deno.writeTextFileSync(path, text);
        else Deno.writeFileSync(path, text);
        try {
          await statusRefuses(root, expected(path));
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
        }
      },
    );
    // flow.yaml that is a folder.
    const root = `${dir}/folder`;
    copyDir(base, root);
    Deno.removeSync(`${root}/flow.yaml`);
    Deno.mkdirSync(`${root}/flow.yaml`);
    const path = `${Deno.realPathSync(root)}/flow.yaml`;
    await statusRefuses(
      root,
      `flow: error: ${path}: cannot read the workflow file: it is a folder`,
    );
  });
});

Deno.test("flow status refuses a billion-laughs flow.yaml fast (hang guard, not a benchmark)", async () => {
  await withTempDir(async (dir) => {
    const root = await template(dir);
    Deno.writeTextFileSync(`${root}/flow.yaml`, billionLaughs());
    const path = `${Deno.realPathSync(root)}/flow.yaml`;
    const start = performance.now();
    await statusRefuses(
      root,
      `flow: error: ${path}:8:20: aliases expand to more than 10000 nodes (an alias bomb?); ` +
        "write the values out instead",
    );
    const ms = performance.now() - start;
    // A whole CLI process (start included): generous, it only guards against a hang.
    assert(ms < 15_000, `refused after ${ms.toFixed(0)} ms`);
  });
});
