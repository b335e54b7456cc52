// `flow completions bash|zsh|fish`: scripts generated from the command tree, driven in the shells.
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { completionScript, type Shell } from "../../src/cli/commands/completions.ts";
import type { Command } from "../../src/cli/deps.ts";

function script(shell: Shell): string {
  return completionScript(buildProgram(), shell);
}

/** Every command and subcommand name of the program. */
function commandNames(cmd: Command = buildProgram()): string[] {
  return cmd.commands.flatMap((c) => [c.name(), ...commandNames(c)]);
}

function installed(shell: string): boolean {
  try {
    return new Deno.Command(shell, { args: ["-c", "exit 0"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Runs `shell args...`, returning stdout, and fails with stderr when it exits non-zero. */
async function sh(shell: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(shell, {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  assertEquals(code, 0, `${shell} ${args.join(" ")} failed: ${dec.decode(stderr)}`);
  return dec.decode(stdout);
}

/** Completes each command line (words; the last is the one being completed) with bash. */
async function bashComplete(lines: string[][]): Promise<string[][]> {
  return await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/flow.bash`, script("bash"));
    const calls = lines.map((words) => `c ${words.map((w) => `'${w}'`).join(" ")}`);
    const driver = `source ${dir}/flow.bash
c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _flow; echo "\${COMPREPLY[*]}"; }
${calls.join("\n")}
`;
    Deno.writeTextFileSync(`${dir}/driver.bash`, driver);
    const output = await sh("bash", ["--norc", "--noprofile", `${dir}/driver.bash`]);
    return output.split("\n").slice(0, lines.length).map((l) => l.split(" ").filter((w) => w));
  });
}

Deno.test("flow completions bash: valid bash that completes commands, options and choices", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/flow.bash`, script("bash"));
    await sh("bash", ["-n", `${dir}/flow.bash`]);
  });
  const got = await bashComplete([
    ["flow", "ru"],
    ["flow", "run", "--ig"],
    ["flow", "job", ""],
    ["flow", "run", "--order", ""],
    ["flow", "run", "--order", "=", "c"],
    ["flow", "--project", "x", "job", "c"],
    ["flow", "run", "--project", "job", "--pre"],
    ["flow", "completions", ""],
    ["flow", "job", "create", "--grid", ""],
  ]);
  assertEquals(got, [
    ["run"],
    ["--ignore-conditions"],
    ["create", "show", "rm", "help"],
    ["none", "by-job", "cyclic", "random"],
    ["cyclic"],
    ["create"],
    ["--pretend"], // --project's value 'job' is skipped, not taken for the command
    ["bash", "zsh", "fish"],
    [], // no choices: bash falls back to file names (complete -o default)
  ]);
  assertStringIncludes(script("bash"), "complete -o default -F _flow flow");
});

Deno.test("flow completions zsh: names every command, option and choice", async () => {
  const zsh = script("zsh");
  assert(zsh.startsWith("#compdef flow\n"));
  for (const name of commandNames()) assertStringIncludes(zsh, `'${name}:`);
  for (const flag of ["--ignore-conditions", "--order", "--grid", "--project", "--help"]) {
    assertStringIncludes(zsh, `'${flag}:`);
  }
  assertStringIncludes(zsh, "compadd -- 'none' 'pre' 'post' 'all'");
  if (!installed("zsh")) return;
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/_flow`, zsh);
    await sh("zsh", ["-n", `${dir}/_flow`]);
    // Outside a completion widget words/CURRENT are plain variables: stub the completion
    // builtins with ones that print the candidates matching the typed prefix.
    const driver = `compdef() { :; }
m() { local -a c; c=("$@"); print -r -- \${(M)c:#\${words[CURRENT]}*}; }
_describe() { m \${(@)\${(P)4}%%:*}; }
compadd() { shift; m "$@"; }
_files() { print FILES; }
source ${dir}/_flow
c() { words=("$@"); CURRENT=$#; _flow; }
c flow ru
c flow run --ig
c flow job ''
c flow run --order ''
c flow job create --grid ''
c flow --project x job c
`;
    Deno.writeTextFileSync(`${dir}/driver.zsh`, driver);
    const out = await sh("zsh", ["-f", `${dir}/driver.zsh`]);
    assertEquals(out.split("\n").slice(0, 6), [
      "run",
      "--ignore-conditions",
      "create show rm help",
      "none by-job cyclic random",
      "FILES",
      "create",
    ]);
  });
});

Deno.test("flow completions fish: names every command, and completes when fish is here", async () => {
  const fish = script("fish");
  for (const name of commandNames()) assertStringIncludes(fish, `-a '${name}'`);
  assertStringIncludes(fish, "-l ignore-conditions -x -a 'none pre post all'");
  assertStringIncludes(fish, "-s t -l timeout -r");
  if (!installed("fish")) return;
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/flow.fish`, fish);
    await sh("fish", ["-n", `${dir}/flow.fish`]);
    const complete = async (line: string) => {
      const out = await sh("fish", ["-N", "-c", `source ${dir}/flow.fish; complete -C '${line}'`]);
      return out.split("\n").filter((l) => l).map((l) => l.split("\t")[0]).sort();
    };
    assertEquals(await complete("flow ru"), ["run"]);
    assertEquals(await complete("flow run --ig"), ["--ignore-conditions"]);
    assertEquals(await complete("flow job "), ["create", "help", "rm", "show"]);
    assertEquals(await complete("flow run --order "), ["by-job", "cyclic", "none", "random"]);
    assertEquals(await complete("flow --project x job c"), ["create"]);
  });
});

Deno.test("flow completions: the CLI prints the script; an unknown shell is one line, exit 2", async () => {
  const ok = await flow(["completions", "bash"]);
  assertEquals(ok.code, 0, ok.stderr);
  assertEquals(ok.stdout, script("bash"));
  const help = await flow(["completions", "--help"]);
  assertStringIncludes(help.stdout, "source <(flow completions bash)");
  assertStringIncludes(help.stdout, "flow completions zsh > ~/.zfunc/_flow");
  assertStringIncludes(help.stdout, "flow completions fish > ~/.config/fish/completions/flow.fish");
  const bad = await flow(["completions", "tcsh"]);
  assertEquals(bad.code, 2);
  assertEquals(bad.stdout, "");
  assertEquals(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
  assertStringIncludes(bad.stderr, "tcsh");
});
