/**
 * Hostile input through the real command line: state point and document
 * values with shell metacharacters in command templates, hostile job ids
 * and paths, and symbolic links out of the workspace.
 *
 * Every refused case gives one line on stderr, exit code 2, and changes
 * nothing on disk (a snapshot of the project before and after).
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { type CliResult, exists, flow, snapshot, withTempDir } from "../_helpers.ts";

/** The files that differ between two snapshots. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** A refusal: exit code 2 and exactly one line on stderr, starting `flow: error: `. */
function assertRefused(r: CliResult, what: string, includes?: string): void {
  assertEquals(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assertEquals(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert(lines[0].startsWith("flow: error: "), `${what}: ${lines[0]}`);
  // deno-lint-ignore no-control-regex
  assert(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(lines[0]), `${what}: control characters`);
  if (includes !== undefined) assertStringIncludes(lines[0], includes, what);
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** Every path under `dir` whose name starts with `pwned`. */
function pwnedFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.name.startsWith("pwned")) found.push(`${d}/${e.name}`);
      if (e.isDirectory) walk(`${d}/${e.name}`);
    }
  };
  walk(dir);
  return found;
}

/** State point values that would run `touch MARKER` (or create `pwned*` files) if they were code. */
export function hostileValues(marker: string): string[] {
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker}`,
    `x; rm -rf x; touch ${marker}`,
    `' ; touch ${marker}; echo '`,
    `"; touch ${marker}; echo "`,
    `\\'; touch ${marker}; '`,
    `)"; touch ${marker} #`,
    "x`;touch " + marker + ";`",
    `'`,
    `"`,
    `\\`,
    `a\\`,
    `line1\ntouch ${marker}\nline3`,
    `$HOME`,
    `*`,
    `~ ? [a] {a,b}`,
    `ünïcödé ✓ 🎉 日本 𝄞`,
    `-n`,
    ``,
    `  spaces \t tab  `,
    `{job.id}`,
    `%s %d \\n`,
    `!!`,
    `$'\\x41'`,
    `| touch pwned-pipe`,
    `> pwned-redirect`,
    `&& touch pwned-and &`,
  ];
}

Deno.test("flow run: hostile state point and document values reach commands, hooks and sh conditions as data", async () => {
  await withTempDir(async (dir) => {
    const marker = `${dir}/pwned`;
    // The project path itself is hostile too: {project.path} is quoted like any value.
    const name = `p r'o"j $(touch pwned-path) ;touch pwned-path2 \`touch pwned-path3\``;
    assertEquals((await flow(["init", name], { cwd: dir })).code, 0);
    const root = `${dir}/${name}`;
    const values = hostileValues(marker);
    const same = (v: string) => v;
    const stripped = (v: string) => v.replace(/\n+$/, "");
    // operation name → [command, what out_<name>.txt holds]
    const ops: Record<string, [string, (v: string, id: string) => string]> = {
      bare: ["printf %s {job.sp.x} > out_bare.txt", same],
      dq: ['printf %s "{job.sp.x}" > out_dq.txt', same],
      sq: ["printf %s '{job.sp.x}' > out_sq.txt", same],
      mixed: [`printf %s "<"{job.sp.x}'>' > out_mixed.txt`, (v) => `<${v}>`],
      sub: ['printf %s "$(printf %s {job.sp.x})" > out_sub.txt', stripped],
      bt: ['printf %s "`printf %s {job.sp.x}`" > out_bt.txt', stripped],
      heredoc: ["cat > out_heredoc.txt <<EOF\n{job.sp.x}\nEOF", (v) => v + "\n"],
      doc: ["printf %s {job.doc.x} > out_doc.txt", same],
      docdq: ['printf %s "{job.doc.x}" > out_docdq.txt', same],
      paths: [
        `printf '%s\\n' {job.id} {project.path} "{project.path}" '{project.path}' > out_paths.txt`,
        (_v, id) => `${id}\n${root}\n${root}\n${root}\n`,
      ],
    };
    const yaml = ["operations:"];
    for (const [op, [command]] of Object.entries(ops)) {
      yaml.push(`  ${op}:`, `    command: ${JSON.stringify(command)}`);
      yaml.push(`    post: [{ isfile: out_${op}.txt }]`);
    }
    // A hook and an sh condition are templates too.
    yaml.push(
      "  hooked:",
      `    command: "true > out_hooked.txt"`,
      "    post: [{ isfile: out_hooked.txt }]",
      `    pre: [{ sh: ${JSON.stringify("printf %s {job.sp.x} > out_sh.txt")} }]`,
      `    hooks: { onSuccess: ${JSON.stringify('printf %s "{job.sp.x}" > out_hook.txt')} }`,
    );
    Deno.writeTextFileSync(`${root}/flow.yaml`, yaml.join("\n") + "\n");
    const created = await flow(["job", "create", "-"], {
      cwd: root,
      stdin: values.map((x, i) => JSON.stringify({ x, i })).join("\n"),
    });
    assertEquals(created.code, 0, created.stderr);
    const ids = created.stdout.trim().split("\n");
    for (const [i, id] of ids.entries()) {
      Deno.writeTextFileSync(
        `${root}/workspace/${id}/signac_job_document.json`,
        JSON.stringify({ x: values[i] }),
      );
    }
    const r = await flow(["run", "--parallel", "4"], { cwd: root });
    assertEquals(r.code, 0, r.stderr);
    const total = values.length * (Object.keys(ops).length + 1);
    assertStringIncludes(r.stderr, `run: ${total} operations, ${total} succeeded`);
    for (const [i, id] of ids.entries()) {
      const job = `${root}/workspace/${id}`;
      for (const [op, [command, expected]] of Object.entries(ops)) {
        assertEquals(
          Deno.readTextFileSync(`${job}/out_${op}.txt`),
          expected(values[i], id),
          `${command} with ${JSON.stringify(values[i])}`,
        );
      }
      assertEquals(Deno.readTextFileSync(`${job}/out_sh.txt`), values[i], "sh condition");
      assertEquals(Deno.readTextFileSync(`${job}/out_hook.txt`), values[i], "hook");
    }
    assertEquals(exists(marker), false, "a value ran as code");
    assertEquals(pwnedFiles(dir), [], "a value or the project path ran as code");
  });
});

Deno.test("flow run: placeholders flow cannot quote safely are refused when flow.yaml is read", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", "p"], { cwd: dir });
    const root = `${dir}/p`;
    await flow(["job", "create", '{"x": "$(touch pwned)"}'], { cwd: root });
    const table: [string, string][] = [
      ["echo ${job.sp.x} > out.txt", "'$' right before '{job.sp.x}'"],
      ["echo \\{job.sp.x} > out.txt", "backslash right before '{job.sp.x}'"],
      ['echo "${{OUT:-{job.sp.x}}}" > out.txt', "inside a double-quoted '${...}'"],
      ["cat > out.txt <<{job.sp.x}\nx\n", "here-document delimiter"],
      ["echo ${{{job.sp.x}}} > out.txt", "cannot name a shell variable"],
    ];
    for (const [command, message] of table) {
      Deno.writeTextFileSync(
        `${root}/flow.yaml`,
        `operations:\n  a:\n    command: ${JSON.stringify(command)}\n`,
      );
      await flow(["status"], { cwd: root }); // caches as they would be
      const before = snapshot(root);
      for (const args of [["run"], ["run", "--pretend"], ["status"]]) {
        const r = await flow(args, { cwd: root });
        assertRefused(r, `${args.join(" ")} with ${command}`, message);
        assertStringIncludes(r.stderr, "operation 'a'");
      }
      assertEquals(changed(before, snapshot(root)), [], command);
    }
    assertEquals(pwnedFiles(dir), []);
  });
});

Deno.test("flow run: values that cannot be substituted safely fail only their job, and --pretend refuses", async () => {
  await withTempDir(async (dir) => {
    const marker = `${dir}/pwned`;
    await flow(["init", "p"], { cwd: dir });
    const root = `${dir}/p`;
    Deno.writeTextFileSync(
      `${root}/flow.yaml`,
      `operations:\n  add:\n    command: echo $(( {job.sp.n} + 1 )) > out.txt\n` +
        `    post: [{ isfile: out.txt }]\n` +
        `  here:\n    command: ${JSON.stringify("cat > here.txt <<EOF\n{job.sp.s}\nEOF")}\n` +
        `    post: [{ isfile: here.txt }]\n`,
    );
    const c = await flow(
      [
        "job",
        "create",
        '{"n": 41, "s": "x"}',
        JSON.stringify({ n: `a[$(touch ${marker})]`, s: "a\nEOF\ntouch " + marker }),
      ],
      { cwd: root },
    );
    const [good, bad] = c.stdout.trim().split("\n");
    await flow(["status"], { cwd: root });
    // A status that needs no state points leaves them unread in the index; this reads them.
    await flow(["find"], { cwd: root });
    const before = snapshot(root);
    for (const op of ["add", "here"]) {
      const pretend = await flow(["run", "--pretend", "-o", op], { cwd: root });
      assertRefused(pretend, `run --pretend -o ${op}`, `job ${bad}: `);
    }
    assertEquals(changed(before, snapshot(root)), []);

    const r = await flow(["run", "--keep-going"], { cwd: root });
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "run: 4 operations, 2 succeeded, 2 failed");
    assertStringIncludes(
      r.stderr,
      `failed: add on ${bad}: job ${bad}: '{job.sp.n}' stands where bash evaluates arithmetic`,
    );
    assertStringIncludes(r.stderr, `would end the here-document <<EOF early: not running it`);
    assertEquals(Deno.readTextFileSync(`${root}/workspace/${good}/out.txt`), "42\n");
    assertEquals(Deno.readTextFileSync(`${root}/workspace/${good}/here.txt`), "x\n");
    assertEquals(exists(`${root}/workspace/${bad}/out.txt`), false);
    assertEquals(exists(marker), false, "a value ran as code");
  });
});

/** Job id arguments no command may accept. */
export const HOSTILE_IDS = [
  "../../etc",
  "..",
  ".",
  "/etc/passwd",
  "/",
  "zzzz",
  "",
  " ",
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", // 64 hex digits
  "0123456789abcdef0123456789abcdef0", // 33
  "0123456789ABCDEF", // upper case
  "0123\n4567",
  "\u001b[2J\u001b]0;pwned\u0007",
  "abc/../abc",
  "%2e%2e%2f",
  "ａｂｃ", // full-width letters
  "agg-../../x",
  "*",
  "$(touch pwned)",
  "ffffffffffffffffffffffffffffffff", // well-formed, no such job
];

Deno.test("hostile job ids: every command refuses them with one line, exit 2, nothing changed", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", "p"], { cwd: dir });
    const root = `${dir}/p`;
    Deno.writeTextFileSync(
      `${root}/flow.yaml`,
      "operations:\n  a:\n    command: echo hi > a.txt\n    post: [{ isfile: a.txt }]\n",
    );
    await flow(["job", "create", '{"x": 1}', '{"x": 2}'], { cwd: root });
    await flow(["status"], { cwd: root });
    // A status that needs no state points leaves them unread in the index; this reads them.
    await flow(["find"], { cwd: root });
    const before = snapshot(root);
    const commands: ((id: string) => string[])[] = [
      (id) => ["run", "-j", id],
      (id) => ["exec", "a", "--", id],
      (id) => ["status", "-j", id],
      (id) => ["submit", "--pretend", "--cluster", "local", "-j", id],
      (id) => ["cancel", "--cluster", "local", "-j", id],
      (id) => ["job", "show", "--", id],
      (id) => ["job", "rm", "--yes", "--", id],
    ];
    const cases = HOSTILE_IDS.flatMap((id) => commands.map((c) => c(id)));
    const results = await pool(cases, 8, (args) => flow(args, { cwd: root }));
    results.forEach((r, i) => assertRefused(r, JSON.stringify(cases[i])));
    assertEquals(changed(before, snapshot(root)), []);
    // A hostile --project path: one line too.
    for (const p of ["/nonexistent\n/x", "\u001b[31mred"]) {
      assertRefused(await flow(["--project", p, "status"], { cwd: dir }), p, "no project found");
    }
    assertEquals(pwnedFiles(dir), []);
  });
});

Deno.test("symbolic links out of the workspace: linked job directories are skipped and refused, nothing is written through a link", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", "p"], { cwd: dir });
    const root = `${dir}/p`;
    const outside = `${dir}/outside`;
    Deno.mkdirSync(outside);
    Deno.writeTextFileSync(
      `${root}/flow.yaml`,
      "operations:\n  a:\n    command: echo hi > a.txt\n    post: [{ isfile: a.txt }]\n",
    );
    const c = await flow(["job", "create", '{"x": 1}', '{"x": 2}', '{"x": 3}', '{"x": 4}'], {
      cwd: root,
    });
    const [linked, history, dotflow, plain] = c.stdout.trim().split("\n");
    const ws = `${root}/workspace`;
    // A job directory moved out and linked back.
    Deno.renameSync(`${ws}/${linked}`, `${outside}/${linked}`);
    Deno.symlinkSync(`${outside}/${linked}`, `${ws}/${linked}`);
    // Files and folders flow writes in a job, linked out.
    Deno.symlinkSync(`${outside}/history.jsonl`, `${ws}/${history}/flow_history.jsonl`);
    Deno.mkdirSync(`${outside}/dotflow`);
    Deno.symlinkSync(`${outside}/dotflow`, `${ws}/${dotflow}/.flow`);
    const outsideBefore = snapshot(outside);

    // Listing: skipped with one warning; flow check names it and fails.
    const status = await flow(["status"], { cwd: root });
    assertEquals(status.code, 0, status.stderr);
    assertStringIncludes(status.stdout, "Overview: 3 jobs");
    assertStringIncludes(
      status.stderr,
      `warning: skipped 1 broken job directory (${linked}: the job directory is a symbolic link`,
    );
    const check = await flow(["check"], { cwd: root });
    assertEquals(check.code, 1);
    assertStringIncludes(
      check.stdout,
      `${linked}: the job directory is a symbolic link (to ${outside}/${linked}), which flow does not follow`,
    );

    // Naming it: refused, nothing changed (after a listing that reads state points, as commands do).
    await flow(["find"], { cwd: root });
    const before = snapshot(root);
    for (
      const args of [
        ["run", "-j", linked],
        ["run", "-j", linked.slice(0, 8)],
        ["exec", "a", linked],
        ["status", "-j", linked],
        ["job", "show", linked],
        ["job", "rm", "--yes", linked],
        ["job", "create", '{"x": 1}'],
      ]
    ) {
      assertRefused(
        await flow(args, { cwd: root }),
        args.join(" "),
        `job ${linked}: the job directory is a symbolic link`,
      );
    }
    assertEquals(changed(before, snapshot(root)), []);

    // Running everything: the linked job is skipped, the job whose .flow leads out fails
    // with a clear message, the linked history file is not written through.
    const run = await flow(["run", "--keep-going"], { cwd: root });
    assertEquals(run.code, 1, run.stderr);
    assertStringIncludes(run.stderr, "run: 3 operations, 2 succeeded, 1 failed");
    assertStringIncludes(
      run.stderr,
      `failed: a on ${dotflow}: ${ws}/${dotflow}/.flow/logs leads out of ${ws}/${dotflow} ` +
        `through a symbolic link: flow does not write logs through links`,
    );
    assertEquals(Deno.readTextFileSync(`${ws}/${history}/a.txt`), "hi\n");
    assertEquals(Deno.readTextFileSync(`${ws}/${plain}/a.txt`), "hi\n");
    assertEquals(exists(`${ws}/${plain}/flow_history.jsonl`), true);
    assertEquals(Deno.lstatSync(`${ws}/${history}/flow_history.jsonl`).isSymlink, true);
    assertEquals(changed(outsideBefore, snapshot(outside)), [], "nothing written outside");
    assertEquals(exists(`${outside}/history.jsonl`), false);
  });
});
