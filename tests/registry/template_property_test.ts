/**
 * Property: whatever shell constructs a placeholder is nested in (quotes,
 * $(...), backticks, $'...', ${...}, arithmetic, [[ ]], comments,
 * here-documents), a hostile value never runs as code. A template or value
 * flow cannot make safe is refused (DefinitionError, UsageError); everything
 * else is run with bash, and the marker file the values try to create must
 * never appear.
 */

import { assertEquals } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import { withTempDir } from "../_helpers.ts";
import { DefinitionError } from "../../src/registry/error.ts";
import { Template } from "../../src/registry/template.ts";
import { UsageError } from "../../src/errors.ts";
import { Project } from "../../src/workspace/project.ts";

/** Pieces of hostile values; `M` stands for the marker file. */
const FRAGMENTS = [
  "$(touch M)",
  "`touch M`",
  ";touch M;",
  "\ntouch M\n",
  "'; touch M; '",
  '"; touch M; "',
  ")touch M(",
  "a[$(touch M)]",
  "\\",
  "'",
  '"',
  "`",
  "$",
  "(",
  ")",
  "{",
  "}",
  "#",
  "\n",
  "\nE\n",
  "\tE",
  "E",
  "$((",
  "))",
  "<<E",
  "${",
  "*",
  "~",
  "!",
  "&",
  "|",
  " ",
  "\\'",
  '\\"',
  "-eq",
  "]]",
  "esac",
  "\t",
  "ü✓",
];

/** Shell constructs to wrap a placeholder (or an already wrapped one) in. */
const WRAPPERS: ((x: string) => string)[] = [
  (x) => `"${x}"`,
  (x) => `'${x}'`,
  (x) => `$(${x})`,
  (x) => "`" + x + "`",
  (x) => `$'${x}'`,
  (x) => `"$(${x})"`,
  (x) => `{{ ${x}; }}`,
  (x) => `(${x})`,
  (x) => `\${{V:-${x}}}`,
  (x) => `\${{V#${x}}}`,
  (x) => `[[ ${x} == a ]]`,
  (x) => `[[ ${x} -eq 1 ]]`,
  (x) => `[[ 1 -lt ${x} && a == ${x} ]]`,
  (x) => `case ${x} in *) ;; esac`,
  (x) => `x=$(case a in a) echo ${x};; esac)`,
  (x) => `true # ${x}\n`,
  (x) => `cat <<E\n${x}\nE\n`,
  (x) => `cat <<'E'\n${x}\nE\n`,
  (x) => `cat <<-E\n\t${x}\n\tE\n`,
  (x) => `cat <<E; echo ${x}\nbody\nE\n`,
  (x) => `$(( ${x} ))`,
  (x) => `(( ${x} ))`,
  (x) => `$[ ${x} ]`,
  (x) => `let v=${x}`,
  (x) => `\${{a[${x}]}}`,
  (x) => `\${{s:${x}}}`,
  (x) => `echo ${x} | cat`,
  (x) => `a=${x}`,
  (x) => `"a${x}b"`,
  (x) => `'a'${x}"b"`,
  (x) => `printf %s ${x}`,
  (x) => 'echo "`echo ' + x + '`"',
  (x) => `"\${{V:-'${x}'}}"`,
];

Deno.test("property: a hostile value in any nesting of shell constructs never runs as code", async () => {
  await withTempDir(async (dir) => {
    const marker = `${dir}/pwned`;
    const project = await Project.init(`${dir}/p`);
    const value = fc.oneof(
      fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 })
        .map((parts) => parts.join("").replaceAll("M", marker)),
      fc.string({ unit: "binary", maxLength: 12 }),
    );
    const template = fc.array(fc.nat(WRAPPERS.length - 1), { minLength: 1, maxLength: 3 })
      .map((ws) => ": " + ws.reduce((t, w) => WRAPPERS[w](t), "{job.sp.x}"));
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(template, value, async (source, x) => {
        let t: Template;
        try {
          t = new Template(source, "property");
        } catch (e) {
          if (e instanceof DefinitionError) return; // refused: nothing runs
          throw e;
        }
        const job = await project.openJob({ x }).init();
        let command: string;
        try {
          command = t.render([job], project.root);
        } catch (e) {
          if (e instanceof UsageError) return; // refused: nothing runs
          throw e;
        }
        ran++;
        await new Deno.Command("timeout", {
          args: ["5", "bash", "-c", command],
          cwd: job.path,
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).output();
        let created = false;
        try {
          Deno.lstatSync(marker);
          created = true;
          Deno.removeSync(marker);
        } catch {
          // not there: good
        }
        assertEquals(created, false, `ran as code: ${JSON.stringify(command)}`);
      }),
      { seed: SEED, numRuns: 400 },
    );
    // Most cases run (the property is not vacuous).
    assertEquals(ran > 150, true, `only ${ran} commands ran`);
  });
});
