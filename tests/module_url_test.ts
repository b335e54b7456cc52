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
