// mod.ts works when imported by URL: no file-system reads at import time, no import map.
import { assertEquals } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("mod.ts imported over HTTP: ids, a project and a TypeScript workflow work", async () => {
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (path.includes("..")) return new Response("no", { status: 403 });
      try {
        const body = await Deno.readFile(ROOT + path.slice(1));
        const type = path.endsWith(".json") ? "application/json" : "application/typescript";
        return new Response(body, { headers: { "content-type": type } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    const tmp = Deno.makeTempDirSync();
    const code = `
      import { calcId, float, FlowProject, isFile, Project } from "http://${host}/mod.ts";
      const project = await Project.init(${JSON.stringify(tmp)});
      await project.openJob({ a: float(1) }).init();
      const wf = new FlowProject({ root: ${JSON.stringify(tmp)} });
      wf.operation("touch", (job) => Deno.writeTextFileSync(job.fn("t"), ""), { post: [isFile("t")], sandbox: false });
      const code = await wf.run(["run"]);
      console.log(calcId({ a: 1 }), (await project.list()).jobs.length, code);
    `;
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "-q",
        // The served files are this checkout: recording their hashes would fill deno.lock.
        "--no-lock",
        `--allow-import=${host}`,
        `--allow-net=${host}`,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        code,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const out = new TextDecoder().decode(r.stdout).trim().split("\n").pop();
    assertEquals(out, "42b7b4f2921788ea14dac5566e6f06d0 1 0", new TextDecoder().decode(r.stderr));
    Deno.removeSync(tmp, { recursive: true });
  } finally {
    ac.abort();
    await server.finished;
  }
});

/**
 * The modules Deno reads to load `entry`: its static imports, and with `dynamic` also what it
 * imports by a literal `import("...")`, which Deno's module graph follows at load time too.
 */
async function codeGraph(entry: string, dynamic = false): Promise<Set<string>> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${ROOT}${entry}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(r.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier: string } }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if ((dynamic || !d.isDynamic) && d.code) stack.push(d.code.specifier);
    }
  }
  return seen;
}

/** The modules outside this checkout that loading `entry` loads (its static imports, no versions). */
async function staticExternals(entry: string): Promise<string[]> {
  const seen = await codeGraph(entry);
  const external = [...seen].filter((s) => !s.startsWith("file:")).map((s) =>
    s.replace(/@[\d.]+(\/.*)?$/, "")
  ).sort();
  return [...new Set(external)];
}

Deno.test("mod.ts and a sandbox's entry module import no YAML parser and no Node module", async () => {
  // Each costs start-up time in every Worker of a sandboxed operation (Deno's Node layer 15-30
  // ms, node:path alone 6-7 ms); they are loaded on first use instead (src/_node.ts, dynamic
  // imports) or not used (src/_path.ts).
  assertEquals(await staticExternals("mod.ts"), ["npm:@noble/hashes"]);
  assertEquals(await staticExternals("src/executor/_sandbox_worker.ts"), ["npm:@noble/hashes"]);
});

Deno.test("a Worker importing mod.ts or a sandbox's entry builds no module graph of the command line", async () => {
  // Each Worker builds its module graph again, reading and hashing every module that a literal
  // import("...") names as well: FlowProject.run loaded the command line that way, ~80 modules
  // and commander read by every sandbox (~10 ms each, 39-42 -> 32-34 ms per sandboxed operation).
  for (const entry of ["mod.ts", "src/executor/_sandbox_worker.ts"]) {
    const graph = [...await codeGraph(entry, true)];
    const cli = graph.filter((s) => s.includes("/src/cli/") && !s.endsWith("/flow_project.ts"));
    assertEquals(cli, [], entry);
    assertEquals(
      graph.filter((s) => s.startsWith("npm:") && !s.includes("@noble/hashes")),
      [],
      entry,
    );
  }
});

Deno.test("cli.ts loads no YAML parser and no CommonJS package at start, and no package before its early start", async () => {
  // Loading and first running the YAML parser cost ~40 ms of every command; an unchanged
  // flow.yaml is read from the parse cache (src/config/parse_cache.ts), grid and cluster files
  // load it on demand. The first CommonJS package (yaml, text-table, cli-progress) starts Deno's
  // CommonJS loader, ~30-40 ms: status loads the table libraries when it draws a table
  // (src/cli/deps.ts), and commander is an ES module since version 15.
  assertEquals(await staticExternals("src/cli/main.ts"), ["npm:@noble/hashes", "npm:commander"]);
  // cli.ts itself loads nothing outside the checkout before it starts what the other core can do
  // during start-up (src/cli/early.ts), then imports the command line.
  assertEquals(await staticExternals("cli.ts"), []);
});
