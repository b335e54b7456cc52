// The parse cache of flow.yaml (src/config/parse_cache.ts).
import { assert, assertEquals } from "../_assert.ts";
import { exists, withTempDir } from "../_helpers.ts";
import { ConfigError, loadFlowYaml } from "../../src/config/flow_yaml.ts";
import {
  cachedFlowYamlValue,
  FLOW_YAML_CACHE_FILE,
  loadFlowYamlCached,
} from "../../src/config/parse_cache.ts";
import { parseYaml } from "../../src/workspace/yaml.ts";
import type { Hooks } from "../../src/registry/operation.ts";
import type { Registry } from "../../src/registry/registry.ts";
import { COMPLETE_FLOW_YAML } from "./_fixtures.ts";

/** Replaces the one line of `lines` that is `from`. */
function edit(lines: readonly string[], from: string, ...to: string[]): string[] {
  const i = lines.indexOf(from);
  if (i < 0) throw new Error(`no line ${from}`);
  return [...lines.slice(0, i), ...to, ...lines.slice(i + 1)];
}

/** The complete flow.yaml with an anchor and its alias, integral floats, -0.0 and a big integer. */
const FLOW_YAML = [
  ...edit(
    edit(
      edit(
        COMPLETE_FLOW_YAML,
        "    directives: {np: 4, ngpu: 1, walltime: '01:00:00', memory: 4G, fork: true}",
        "    directives: &big {np: 4, ngpu: 1, walltime: '01:00:00', memory: 4G, fork: true}",
      ),
      "      - doc: {state: done, n: 3, big: 123456789012345678901}",
      "      - doc: {state: done, n: 3, x: 1.0, big: 123456789012345678901, z: -0.0}",
    ),
    "    cwd: project",
    "    cwd: project",
    "    directives: *big",
  ),
  "",
].join("\n");

function hookSources(hooks: Hooks): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(hooks).map(([k, list]) => [
      k,
      list.map((h: Hooks["onStart"][number]) => h.kind === "command" ? h.template.source : "fn"),
    ]),
  );
}

/** Everything a registry built from YAML holds, as plain data. */
function summary(r: Registry): unknown {
  return {
    operations: r.operations.map((op) => ({
      name: op.name,
      body: op.body.kind === "command" ? op.body.template.source : "fn",
      pre: op.pre.map((c) => [c.key, c.description]),
      post: op.post.map((c) => [c.key, c.description]),
      directives: op.directives,
      aggregator: op.aggregator.description,
      hooks: hookSources(op.hooks),
      inJobDir: op.inJobDir,
    })),
    groups: r.groups.map((g) => ({
      name: g.name,
      members: g.members.map((m) => [m.operation, m.directives]),
      runOptions: g.runOptions,
      submitOptions: g.submitOptions,
      singleton: g.singleton,
    })),
    labels: r.labels.map(([name, c]) => [name, c.key]),
    hooks: hookSources(r.hooks),
  };
}

/** Rewrites the cached document with `edit` (the text it was made from stays). */
function editCache(cache: string, edit: (json: string) => string): void {
  const data = Deno.readTextFileSync(cache);
  const nl = data.indexOf("\n");
  const edited = edit(data.slice(nl + 1));
  assert(edited !== data.slice(nl + 1), "the edit changed nothing");
  Deno.writeTextFileSync(cache, data.slice(0, nl + 1) + edited);
}

function setup(dir: string): { path: string; cache: string } {
  const path = `${dir}/flow.yaml`;
  Deno.writeTextFileSync(path, FLOW_YAML);
  return { path, cache: `${dir}/${FLOW_YAML_CACHE_FILE}` };
}

Deno.test("the cached document builds the registry a fresh parse builds", async () => {
  await withTempDir(async (dir) => {
    const { path, cache } = setup(dir);
    const fresh = summary(loadFlowYaml(path));
    assert(!exists(cache));
    assertEquals(summary(await loadFlowYamlCached(path, cache)), fresh);
    // The first line names the parser that made the tree: the one src/deps.ts imports.
    const deps = Deno.readTextFileSync(new URL("../../src/deps.ts", import.meta.url));
    const parser = /"npm:(yaml@[^"]+)"/.exec(deps)?.[1];
    assert(parser !== undefined, "src/deps.ts imports npm:yaml");
    assertEquals(Deno.readTextFileSync(cache).split("\n")[0], `flow-yaml-tree 1 ${parser}`);
    assertEquals(summary(await loadFlowYamlCached(path, cache)), fresh);
    // Integers and floats kept apart (1.0 is not 1), big integers exact.
    const json = JSON.stringify(summary(await loadFlowYamlCached(path, cache)));
    assert(json.includes("123456789012345678901"));
  });
});

Deno.test("an unchanged flow.yaml is read from the cache, not parsed again", async () => {
  await withTempDir(async (dir) => {
    const { path, cache } = setup(dir);
    await loadFlowYamlCached(path, cache);
    // Only a registry built from the cached document can show this command.
    editCache(cache, (j) => j.replace('"echo {job.sp.T} > input.txt"', '"echo from the cache"'));
    const r = await loadFlowYamlCached(path, cache);
    const body = r.operation("prepare").body;
    assertEquals(body.kind === "command" ? body.template.source : "", "echo from the cache");
  });
});

Deno.test("any change of the text, or another file name, parses the file", async () => {
  await withTempDir(async (dir) => {
    const { path, cache } = setup(dir);
    await loadFlowYamlCached(path, cache);
    editCache(cache, (j) => j.replace('"echo {job.sp.T} > input.txt"', '"echo from the cache"'));
    const source = (r: Registry) => {
      const body = r.operation("prepare").body;
      return body.kind === "command" ? body.template.source : "";
    };
    // The same text under another name: not this cache's.
    Deno.copyFileSync(path, `${dir}/other.yaml`);
    assertEquals(
      source(await loadFlowYamlCached(`${dir}/other.yaml`, cache)),
      "echo {job.sp.T} > input.txt",
    );
    // One character more (a trailing comment) in the file.
    Deno.writeTextFileSync(path, FLOW_YAML + "#\n");
    assertEquals(source(await loadFlowYamlCached(path, cache)), "echo {job.sp.T} > input.txt");
    const kept = JSON.parse(Deno.readTextFileSync(cache).split("\n").slice(1).join("\n"));
    assertEquals(kept.text, FLOW_YAML + "#\n", "the cache now holds the new text");
    // A change that the registry shows.
    Deno.writeTextFileSync(path, FLOW_YAML.replace("echo {job.sp.T}", "echo {job.sp.p}"));
    assertEquals(source(await loadFlowYamlCached(path, cache)), "echo {job.sp.p} > input.txt");
  });
});

Deno.test("a broken, foreign or unreadable cache is ignored and replaced", async () => {
  await withTempDir(async (dir) => {
    const { path, cache } = setup(dir);
    const fresh = summary(loadFlowYaml(path));
    await loadFlowYamlCached(path, cache);
    const good = Deno.readTextFileSync(cache);
    const nl = good.indexOf("\n");
    const bad: [string, string][] = [
      ["empty", ""],
      ["another format", "flow-yaml-tree 0 yaml@2.8.4" + good.slice(nl)],
      ["another parser", "flow-yaml-tree 1 yaml@2.8.3" + good.slice(nl)],
      ["no JSON", good.slice(0, nl) + "\n{"],
      ["JSON of something else", good.slice(0, nl) + "\n[1, 2]\n"],
      ["cut short", good.slice(0, good.length >> 1)],
      ["a node that is out of range", good.replace(/"root":\d+/, '"root":99999')],
      ["a scalar of an unknown kind", good.replace('"s","echo a"', '"q","echo a"')],
    ];
    for (const [what, content] of bad) {
      assert(content !== good, what);
      Deno.writeTextFileSync(cache, content);
      assertEquals(summary(await loadFlowYamlCached(path, cache)), fresh, what);
      assertEquals(Deno.readTextFileSync(cache), good, `${what}: replaced`);
    }
    // A folder where the cache should be: loads all the same.
    Deno.removeSync(cache);
    Deno.mkdirSync(cache);
    assertEquals(summary(await loadFlowYamlCached(path, cache)), fresh, "a folder");
    // No place to write it (its folder is a file): loads all the same, every time.
    Deno.writeTextFileSync(`${dir}/file`, "");
    for (let i = 0; i < 2; i++) {
      assertEquals(summary(await loadFlowYamlCached(path, `${dir}/file/cache`)), fresh);
    }
    assertEquals(summary(await loadFlowYamlCached(path)), fresh, "no cache at all");
  });
});

Deno.test("a cached document that no longer builds is parsed again from the file", async () => {
  await withTempDir(async (dir) => {
    const { path, cache } = setup(dir);
    const fresh = summary(loadFlowYaml(path));
    await loadFlowYamlCached(path, cache);
    // The command of 'prepare' as an integer: the builder refuses it.
    editCache(cache, (j) => j.replace('"s","echo {job.sp.T} > input.txt"', '"i","5"'));
    assertEquals(summary(await loadFlowYamlCached(path, cache)), fresh);
  });
});

Deno.test("a flow.yaml with an error fails as loadFlowYaml fails, and is never cached", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flow.yaml`;
    const cache = `${dir}/${FLOW_YAML_CACHE_FILE}`;
    const broken = [
      "operations:\n  a: {command: echo {job.id}}\n", // unquoted placeholder in a flow map
      "operations:\n  a:\n    comand: x\n", // unknown key
      "operations:\n  a: {command: x}\n  a: {command: y}\n", // duplicate key
      "operations:\n  a: {command: x, pre: [{after: b}]}\n", // unknown operation
      "a: &a [*a]\n", // alias in the node it names
      "operations:\n  a: {command: x, directives: {np: 1.5}}\n", // bad directive
    ];
    for (const text of broken) {
      Deno.writeTextFileSync(path, text);
      let expected = "";
      try {
        loadFlowYaml(path);
      } catch (e) {
        assert(e instanceof ConfigError, text);
        expected = e.message;
      }
      assert(expected !== "", `no error for ${JSON.stringify(text)}`);
      for (let i = 0; i < 2; i++) {
        let message = "";
        try {
          await loadFlowYamlCached(path, cache);
        } catch (e) {
          assert(e instanceof ConfigError, text);
          message = e.message;
        }
        assertEquals(message, expected, text);
        assert(!exists(cache), `cached: ${text}`);
      }
    }
    // A cache of a good version stays as it was when the file breaks.
    Deno.writeTextFileSync(path, FLOW_YAML);
    await loadFlowYamlCached(path, cache);
    const good = Deno.readTextFileSync(cache);
    Deno.writeTextFileSync(path, FLOW_YAML.replace("command: ./simulate", "comand: ./simulate"));
    let failed = false;
    try {
      await loadFlowYamlCached(path, cache);
    } catch (e) {
      failed = e instanceof ConfigError && e.message.includes("unknown key 'comand'");
    }
    assert(failed);
    assertEquals(Deno.readTextFileSync(cache), good);
  });
});

Deno.test("cachedFlowYamlValue: a top-level value from the cache, as parseYaml reads it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flow.yaml`;
    const cache = `${dir}/${FLOW_YAML_CACHE_FILE}`;
    const text = FLOW_YAML +
      "clusters:\n  lab:\n    scheduler: slurm\n    setup: [module load a, ~]\n" +
      "    partitions: {cpu: {cpusPerNode: 8, memoryPerNodeGB: 1.0, x: 2.5, big: 123456789012345678901}}\n" +
      "    detect: {hostname: '^lab', n: -0.0}\n";
    Deno.writeTextFileSync(path, text);
    assertEquals(cachedFlowYamlValue(path, text, cache, "clusters"), undefined, "no cache yet");
    await loadFlowYamlCached(path, cache);
    const doc = parseYaml(text, path) as Record<string, unknown>;
    assertEquals(cachedFlowYamlValue(path, text, cache, "clusters"), { value: doc.clusters });
    assertEquals(cachedFlowYamlValue(path, text, cache, "labels"), { value: doc.labels });
    assertEquals(cachedFlowYamlValue(path, text, cache, "absent"), { value: undefined });
    // Not this text, or not this file: the caller parses.
    assertEquals(cachedFlowYamlValue(path, text + "#\n", cache, "clusters"), undefined);
    assertEquals(cachedFlowYamlValue(`${dir}/other.yaml`, text, cache, "clusters"), undefined);
  });
});
