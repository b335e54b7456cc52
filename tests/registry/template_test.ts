import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { withJobs } from "./_fixtures.ts";
import { exists, withTempDir } from "../_helpers.ts";
import { DefinitionError } from "../../src/registry/error.ts";
import { shellQuote, Template, valueText } from "../../src/registry/template.ts";
import { UsageError } from "../../src/errors.ts";
import type { Job } from "../../src/workspace/job.ts";
import { float, type JsonValue, PyFloat } from "../../src/workspace/value.ts";

/** Runs `bash -c command` in `cwd`; returns the exit code. */
async function bash(command: string, cwd: string): Promise<number> {
  const { code } = await new Deno.Command("bash", {
    args: ["-c", command],
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return code;
}

Deno.test("shellQuote leaves safe words alone and single-quotes everything else", () => {
  const table: [string, string][] = [
    ["abc", "abc"],
    ["a-b_c.d/e:f,g+h=i@j%k", "a-b_c.d/e:f,g+h=i@j%k"],
    ["1.0", "1.0"],
    ["", "''"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
    ["$(x)", "'$(x)'"],
    ["`x`", "'`x`'"],
    ["a;b", "'a;b'"],
    ["*", "'*'"],
    ["~", "'~'"],
    ["a\nb", "'a\nb'"],
    ["é", "'é'"],
    ["[1, 2]", "'[1, 2]'"],
  ];
  for (const [input, expected] of table) assertEquals(shellQuote(input), expected, input);
});

Deno.test("valueText: strings as they are, floats as Python prints them, the rest as JSON", () => {
  const table: [JsonValue, string][] = [
    ["a b", "a b"],
    ["", ""],
    [3, "3"],
    [-7, "-7"],
    [0, "0"],
    [float(1), "1.0"],
    [float(0), "0.0"],
    [new PyFloat(-0), "-0.0"],
    [float(1e16), "1e+16"],
    [0.5, "0.5"],
    [1e-5, "1e-05"],
    [-1.25, "-1.25"],
    [2n ** 70n, "1180591620717411303424"],
    [true, "true"],
    [false, "false"],
    [null, "null"],
    [[1, float(2), "x"], '[1, 2.0, "x"]'],
    [[], "[]"],
    [{ b: 1, a: [null] }, '{"b": 1, "a": [null]}'],
    [{ s: "é" }, '{"s": "\\u00e9"}'],
  ];
  for (const [value, expected] of table) assertEquals(valueText(value), expected, expected);
});

Deno.test("render substitutes every placeholder, shell-quoted", async () => {
  const sp = {
    T: float(1),
    p: 0.5,
    n: 3,
    name: "a b",
    flag: true,
    nothing: null,
    list: [1, float(2), "x"],
    obj: { b: 1, a: [null] },
    nested: { deep: { v: "x y", n: 4 } },
    big: 2n ** 70n,
  };
  await withJobs([sp], async (jobs, project) => {
    const job = jobs[0];
    await job.doc.set("energy", -1.25);
    await job.doc.set("state", "it's done");
    await job.doc.set("meta", { run: { id: float(7) } });
    const table: [string, string][] = [
      ["{job.id}", job.id],
      ["{job.path}", job.path],
      ["{project.path}", project.root],
      ["{job.sp.T}", "1.0"],
      ["{job.sp.p}", "0.5"],
      ["{job.sp.n}", "3"],
      ["{job.sp.name}", "'a b'"],
      ["{job.sp.flag}", "true"],
      ["{job.sp.nothing}", "null"],
      ["{job.sp.list}", `'[1, 2.0, "x"]'`],
      ["{job.sp.obj}", `'{"b": 1, "a": [null]}'`],
      ["{job.sp.nested}", `'{"deep": {"v": "x y", "n": 4}}'`],
      ["{job.sp.nested.deep.v}", "'x y'"],
      ["{job.sp.nested.deep.n}", "4"],
      ["{job.sp.big}", "1180591620717411303424"],
      ["{job.doc.energy}", "-1.25"],
      ["{job.doc.state}", "'it'\\''s done'"],
      ["{job.doc.meta.run.id}", "7.0"],
      ["{jobs.ids}", job.id],
      ["{jobs.paths}", job.path],
      ["{ job.id }", job.id],
      ["echo {job.sp.n} > {job.path}/in.txt", `echo 3 > ${job.path}/in.txt`],
      ["{job.sp.n}{job.sp.n}", "33"],
      ["no placeholders", "no placeholders"],
      ["", ""],
      ["{{", "{"],
      ["}}", "}"],
      ["{{job.id}}", "{job.id}"],
      ["awk '{{print $1}}' f", "awk '{print $1}' f"],
      ["a{{{job.sp.n}}}b", "a{3}b"],
      ["{{{{", "{{"],
      ["${{HOME}}", "${HOME}"],
    ];
    for (const [source, expected] of table) {
      const t = new Template(source, "test");
      assertEquals(t.render([job], project.root), expected, source);
      assertEquals(t.source, source);
    }
  });
});

Deno.test("render for an aggregate: jobs.ids and jobs.paths list every member; job.* is the first", async () => {
  await withJobs(
    [{ i: 0, name: "x y" }, { i: 1, name: "z" }, { i: 2, name: "w" }],
    (jobs, project) => {
      const render = (s: string) => new Template(s, "agg").render(jobs, project.root);
      assertEquals(render("{jobs.ids}"), jobs.map((j) => j.id).join(" "));
      assertEquals(
        render("./analyze {jobs.paths} --out {project.path}"),
        [
          "./analyze",
          ...jobs.map((j) => j.path),
          "--out",
          project.root,
        ].join(" "),
      );
      assertEquals(render("{job.id} {job.sp.name}"), `${jobs[0].id} 'x y'`);
    },
  );
});

Deno.test("paths with spaces and quotes are quoted", async () => {
  await withJobs([{ i: 0 }], (jobs) => {
    const root = "/tmp/my project's dir";
    assertEquals(
      new Template("cd {project.path}", "t").render(jobs, root),
      "cd '/tmp/my project'\\''s dir'",
    );
  });
});

Deno.test("bad templates are DefinitionErrors naming their context", () => {
  const hint = "(use {job.id}, {job.path}, {job.sp.KEY}, {job.doc.KEY}, {project.path}, " +
    "{jobs.ids}, {jobs.paths}; '{{' for a literal brace)";
  const unknown = (p: string) => `operation 'prep': unknown placeholder '{${p}}' ${hint}`;
  const open = "operation 'prep': unmatched '{' in command (write '{{' for a literal brace)";
  const close = "operation 'prep': unmatched '}' in command (write '}}' for a literal brace)";
  const table: [string, string][] = [
    ["{job.name}", unknown("job.name")],
    ["{job.sp}", unknown("job.sp")],
    ["{job.doc}", unknown("job.doc")],
    ["{job.sp.}", unknown("job.sp.")],
    ["{job.sp..a}", unknown("job.sp..a")],
    ["{job}", unknown("job")],
    ["{jobs.id}", unknown("jobs.id")],
    ["{jobs.sp.a}", unknown("jobs.sp.a")],
    ["{project.root}", unknown("project.root")],
    ["{project}", unknown("project")],
    ["{}", unknown("")],
    ["{JOB.ID}", unknown("JOB.ID")],
    ["echo {T}", unknown("T")],
    ["awk '{print $1}'", unknown("print $1")],
    ["{job.id{x}", unknown("job.id{x")],
    ["echo {job.id", open],
    ["echo {", open],
    ["{{{", open],
    ["echo }", close],
    ["}", close],
    ["{job.id}}", close],
    ["}}}", close],
  ];
  for (const [source, message] of table) {
    const e = assertThrows(() => new Template(source, "operation 'prep'"), DefinitionError);
    assertEquals(e.message, message, source);
  }
  assertThrows(
    () => new Template("{x}", "hook onStart of 'sim'"),
    DefinitionError,
    "hook onStart of 'sim': ",
  );
});

Deno.test("a job lacking a key the template names is a UsageError naming the job", async () => {
  await withJobs([{ a: 1, p: { q: 2 }, list: [1] }], async (jobs, project) => {
    const job = jobs[0];
    await job.doc.set("d", { e: 1 });
    const table: [string, string][] = [
      ["{job.sp.b}", "sp.b"],
      ["{job.sp.p.r}", "sp.p.r"],
      ["{job.sp.a.x}", "sp.a.x"],
      ["{job.sp.list.0}", "sp.list.0"],
      ["{job.doc.x}", "doc.x"],
      ["{job.doc.d.f}", "doc.d.f"],
    ];
    for (const [source, field] of table) {
      const t = new Template(`echo ${source}`, "test");
      const e = assertThrows(() => t.render([job], project.root), UsageError);
      assertEquals(e.message, `job ${job.id} has no ${field} for '${source}'`);
      assert(
        !(e instanceof DefinitionError),
        "a missing key is the job's problem, not the template's",
      );
    }
  });
});

Deno.test("hostile state point and document values reach the command as data, never as code", async () => {
  const marker = `/tmp/pwned-${crypto.randomUUID()}`;
  const hostile: string[] = [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker}`,
    `x; rm -rf ${marker}-dir; touch ${marker}`,
    `' ; touch ${marker}; echo '`,
    `"; touch ${marker}; echo "`,
    `it's`,
    `'`,
    `''`,
    `\\'`,
    `a\\`,
    `line1\nline2\n; touch ${marker}`,
    `\ttab`,
    `$HOME ~ * ? [a] {a,b}`,
    `> ${marker}`,
    `| touch ${marker}`,
    `&& touch ${marker} &`,
    `-n`,
    `--help`,
    ``,
    `  spaces  `,
    `ünïcödé ✓ 🎉 日本`,
    `{job.id}`,
    `%s %d \\n`,
    `!!`,
    `$'\\x41'`,
  ];
  await withJobs(hostile.map((x, i) => ({ i, x })), async (jobs, project) => {
    for (const job of jobs) await job.doc.set("y", job.sp.x as string);
    const template = new Template(
      "printf '%s' {job.sp.x} > sp.out; printf '%s' {job.doc.y} > doc.out",
      "operation 'echo'",
    );
    for (const job of jobs) {
      const command = template.render([job], project.root);
      assertEquals(await bash(command, job.path), 0, command);
      assertEquals(Deno.readTextFileSync(job.fn("sp.out")), job.sp.x, command);
      assertEquals(Deno.readTextFileSync(job.fn("doc.out")), job.sp.x, command);
    }
    // An aggregate: every id and path is one argument.
    const all = new Template("printf '%s\\n' {jobs.paths} > {project.path}/paths.txt", "agg");
    assertEquals(await bash(all.render(jobs, project.root), project.root), 0);
    assertEquals(
      Deno.readTextFileSync(`${project.root}/paths.txt`),
      jobs.map((j: Job) => j.path + "\n").join(""),
    );
    assertEquals(exists(marker), false, `${marker} was created: a value ran as code`);
    assertEquals(exists(`${marker}-dir`), false);
  });
});

Deno.test("a hostile project path is data too", async () => {
  await withJobs([{ i: 0 }], async (jobs) => {
    // No '/' inside a folder name: the command would create `pwned` in the job folder.
    const marker = jobs[0].fn("pwned");
    const root = `${jobs[0].path}/odd $(touch pwned) \`touch pwned\` 'dir'`;
    Deno.mkdirSync(root);
    const t = new Template("printf '%s' {project.path} > out.txt && test -d {project.path}", "t");
    assertEquals(await bash(t.render(jobs, root), jobs[0].path), 0);
    assertEquals(Deno.readTextFileSync(jobs[0].fn("out.txt")), root);
    assertEquals(exists(marker), false);
  });
});

Deno.test("placeholders inside double or single quotes are still data, never code", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const { Project } = await import("../../src/workspace/project.ts");
    const p = await Project.init(root);
    const hostile = `it's "$(touch ${root}/pwned)" \`touch ${root}/pwned2\` $HOME \\ end\nline2`;
    const job = await p.openJob({ x: hostile }).init();
    const cases: [string, string][] = [
      [`printf '%s' {job.sp.x} > out`, hostile],
      [`printf '%s' "v={job.sp.x}" > out`, `v=${hostile}`],
      [`printf '%s' 'v={job.sp.x}' > out`, `v=${hostile}`],
      [`printf '%s' "a"{job.sp.x}'b' > out`, `a${hostile}b`],
      [`printf '%s' "x \\"{job.sp.x}\\"" > out`, `x "${hostile}"`],
    ];
    for (const [cmd, expected] of cases) {
      const rendered = new Template(cmd, "test").render([job], root);
      const r = new Deno.Command("bash", { args: ["-c", rendered], cwd: job.path }).outputSync();
      assertEquals(r.code, 0, cmd);
      assertEquals(Deno.readTextFileSync(job.fn("out")), expected, cmd);
    }
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name).sort(), [".signac", "workspace"]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

/** Hostile values for the nested-context tests: each would run `touch MARKER` if it were code. */
function nestedHostile(marker: string): string[] {
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker}`,
    `x'; touch ${marker}; echo '`,
    `x"; touch ${marker}; echo "`,
    `\\'; touch ${marker}; '`,
    `)"; touch ${marker} #`,
    "x`;touch " + marker + ";`",
    `line1\ntouch ${marker}\nline3`,
    `a\\b\\`,
    `$HOME * ? ~ {a,b}`,
    `ünïcödé ✓ 🎉`,
    `EOFX`,
    `}) ]] esac ))`,
    ``,
  ];
}

Deno.test("placeholders nested in $(...), backticks, $'...', ${...}, comments and here-documents are data", async () => {
  await withTempDir(async (dir) => {
    const marker = `${dir}/pwned`;
    const { Project } = await import("../../src/workspace/project.ts");
    const p = await Project.init(`${dir}/p`);
    const values = nestedHostile(marker);
    const jobs = await Promise.all(values.map((x, i) => p.openJob({ x, i }).init()));
    // [template, what out.txt holds for value v]
    const same = (v: string) => v;
    const stripped = (v: string) => v.replace(/\n+$/, ""); // $(...) drops trailing newlines
    const cases: [string, (v: string) => string][] = [
      [`printf %s "$(printf %s {job.sp.x})" > out.txt`, stripped],
      [`printf %s "$(printf %s "{job.sp.x}")" > out.txt`, stripped],
      [`printf %s "$(printf %s '{job.sp.x}')" > out.txt`, stripped],
      [`printf %s "$(echo "$(printf %s {job.sp.x})")" > out.txt`, stripped],
      ['printf %s "`printf %s {job.sp.x}`" > out.txt', stripped],
      ["printf %s \"`printf %s '{job.sp.x}'`\" > out.txt", stripped],
      ['x=`printf %s "{job.sp.x}"`; printf %s "$x" > out.txt', stripped],
      [`printf %s $'{job.sp.x}' > out.txt`, same],
      [`printf %s \${{NOPE:-{job.sp.x}}} > out.txt`, same],
      [`x=$(case a in a) printf %s {job.sp.x};; esac); printf %s "$x" > out.txt`, stripped],
      [`printf %s {job.sp.x} | cat > out.txt`, same],
      [`(printf %s {job.sp.x}) > out.txt`, same],
      [`{{ printf %s {job.sp.x}; }} > out.txt`, same],
      [`printf %s ok > out.txt # {job.sp.x}`, () => "ok"],
      [`true # {job.sp.x}\nprintf %s ok > out.txt`, () => "ok"],
      [`cat > out.txt <<EOF\n{job.sp.x}\nEOF`, (v) => v + "\n"],
      [`cat > out.txt <<'EOF'\n{job.sp.x}\nEOF`, (v) => v + "\n"],
      [`cat > out.txt <<"EOF"\na {job.sp.x} b\nEOF\n`, (v) => `a ${v} b\n`],
      [`cat > out.txt <<EOF; true\n$(printf %s {job.sp.x})\nEOF`, (v) => stripped(v) + "\n"],
      [
        `[[ {job.sp.x} == "$(cat signac_statepoint.json)" ]] || printf %s {job.sp.x} > out.txt`,
        same,
      ],
    ];
    for (const [source, expected] of cases) {
      const template = new Template(source, "test");
      for (const job of jobs) {
        const v = job.sp.x as string;
        const command = template.render([job], p.root);
        if (exists(job.fn("out.txt"))) Deno.removeSync(job.fn("out.txt"));
        assertEquals(await bash(command, job.path), 0, command);
        assertEquals(Deno.readTextFileSync(job.fn("out.txt")), expected(v), command);
      }
    }
    assertEquals(exists(marker), false, `${marker} was created: a value ran as code`);
  });
});

Deno.test("a placeholder flow cannot quote safely where it stands is refused when the template is read", () => {
  const table: [string, string][] = [
    ["echo ${job.sp.x}", "'$' right before '{job.sp.x}'"],
    ['echo "a${job.sp.x}"', "'$' right before '{job.sp.x}'"],
    ["echo \\{job.sp.x}", "backslash right before '{job.sp.x}'"],
    ['echo "\\{job.sp.x}"', "backslash right before '{job.sp.x}'"],
    ["echo $'\\{job.sp.x}'", "backslash right before '{job.sp.x}'"],
    ["cat <<{job.sp.x}\nx\n", "here-document delimiter"],
    ['cat <<"E{job.sp.x}"\nx\n', "here-document delimiter"],
    ['echo "${{V:-{job.sp.x}}}"', "inside a double-quoted '${...}'"],
    ["echo ${{{job.sp.x}}}", "cannot name a shell variable"],
    ["echo ${{{job.sp.x}:-a}}", "cannot name a shell variable"],
  ];
  for (const [source, message] of table) {
    const e = assertThrows(() => new Template(source, "operation 'x'"), DefinitionError, message);
    assert(e.message.startsWith("operation 'x': "), e.message);
    assert(!e.message.includes("\n"), e.message);
  }
  // The same characters where the shell reads them literally are fine.
  for (const ok of ["echo '${job.sp.x}'", "echo '\\{job.sp.x}'", "echo $$ {job.sp.x}"]) {
    new Template(ok, "t");
  }
});

Deno.test("where bash evaluates arithmetic, only numbers are substituted", async () => {
  await withTempDir(async (dir) => {
    const marker = `${dir}/pwned`;
    const { Project } = await import("../../src/workspace/project.ts");
    const p = await Project.init(`${dir}/p`);
    const ok = await p.openJob({ n: 41, s: "a b" }).init();
    const okText = await p.openJob({ n: "41", s: "a b" }).init();
    const bad = await p.openJob({ n: `a[$(touch ${marker})]`, s: "a b" }).init();
    const templates = [
      "echo $(( {job.sp.n} + 1 )) > out.txt",
      "(( v = {job.sp.n} + 1 )); echo $v > out.txt",
      "echo $[ {job.sp.n} + 1 ] > out.txt",
      "let v={job.sp.n}+1; echo $v > out.txt",
      "[[ {job.sp.n} -eq 41 ]] && echo 42 > out.txt",
      "[[ {job.sp.s} == 'a b' && {job.sp.n} -gt 40 ]] && echo 42 > out.txt",
      "a=(0 42); echo ${{a[{job.sp.n}-40]}} > out.txt",
      "s=x42; echo ${{s:{job.sp.n}-40}} > out.txt",
      "echo $(( $(printf %s {job.sp.n}) + 1 )) > out.txt",
      "echo $(( `printf %s {job.sp.n}` + 1 )) > out.txt",
    ];
    for (const source of templates) {
      const t = new Template(source, "test");
      for (const job of [ok, okText]) {
        assertEquals(await bash(t.render([job], p.root), job.path), 0, source);
        assertEquals(Deno.readTextFileSync(job.fn("out.txt")), "42\n", source);
      }
      const e = assertThrows(() => t.render([bad], p.root), UsageError, "not a number");
      assertEquals(
        e.message,
        `job ${bad.id}: '{job.sp.n}' stands where bash evaluates arithmetic, and its value ` +
          `'a[$(touch ${
            marker.slice(0, 40 - 10)
          }...' is not a number (bash would run code in it): ` +
          `not running it`,
        source,
      );
    }
    // A string placeholder next to an arithmetic one in [[ ]] that has no -eq stays a string.
    const str = new Template("[[ {job.sp.s} == 'a b' ]] && echo 42 > out.txt", "test");
    assertEquals(await bash(str.render([bad], p.root), bad.path), 0);
    assertEquals(exists(marker), false);
  });
});

Deno.test("a value that would end a here-document early is refused when the command is built", async () => {
  await withJobs(
    [
      { x: "a\nEOF\ntouch pwned" },
      { x: "EOF" },
      { x: "\tEOF" },
      { x: "EOF " },
      { x: "xEOF" },
      { x: "E\nOF" },
      { x: "OF" },
    ],
    (jobs, project) => {
      const refused = (source: string, job: Job) => {
        const e = assertThrows(
          () => new Template(source, "t").render([job], project.root),
          UsageError,
        );
        assertEquals(
          e.message,
          `job ${job.id}: a substituted value holds the line 'EOF', which would end the ` +
            `here-document <<EOF early: not running it`,
        );
      };
      const fine = (source: string, job: Job) =>
        new Template(source, "t").render([job], project.root);
      for (const source of ["cat <<EOF\n{job.sp.x}\nEOF\n", "cat <<'EOF'\n{job.sp.x}\nEOF"]) {
        refused(source, jobs[0]);
        refused(source, jobs[1]);
        fine(source, jobs[2]);
        fine(source, jobs[3]);
        fine(source, jobs[4]);
        fine(source, jobs[5]);
      }
      // <<- strips leading tabs before comparing.
      refused("cat <<-EOF\n\t{job.sp.x}\n\tEOF\n", jobs[2]);
      // Text around the placeholder on its line counts too; an unterminated body is checked to the end.
      refused("cat <<EOF\nE{job.sp.x}\nEOF\n", jobs[6]);
      refused("cat <<EOF\n{job.sp.x}", jobs[1]);
    },
  );
});
