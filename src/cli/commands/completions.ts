/**
 * `flow completions bash|zsh|fish`: a shell completion script, generated from the commander
 * command tree (commands, subcommands, options with and without values, and choices).
 *
 * Why no library: of the npm packages for this, `tabtab`/`@pnpm/tabtab` and `omelette` know
 * nothing of commander and install themselves into the user's shell files, and `@bomb.sh/tab`
 * (commander-aware) is a 0.0.x pre-release; all of them call back into the program on every
 * Tab press, which for us means starting Deno each time. The tree is small and static, so the
 * scripts below are plain data (one `case` table per shell) and complete instantly.
 *
 * @module
 */

import type { Command, Option } from "../deps.ts";
import type { CliContext } from "../_context.ts";
import { out } from "../_io.ts";

/** The shells `flow completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

interface OptSpec {
  names: string[];
  description: string;
  /** `<value>`: the next word is the option's value. */
  required: boolean;
  /** `[value]`: a value may follow (never skipped: it cannot be told apart). */
  optional: boolean;
  choices?: string[];
}

interface CmdSpec {
  /** The words that lead here, e.g. `["flow", "job", "create"]`. */
  path: string[];
  description: string;
  subcommands: { name: string; description: string }[];
  options: OptSpec[];
  /** Choices for the first positional argument, when commander has them. */
  argChoices?: string[];
}

function optSpec(o: Option): OptSpec {
  return {
    names: [o.short, o.long].filter((n): n is string => typeof n === "string"),
    description: o.description,
    required: o.required,
    optional: o.optional,
    choices: o.argChoices,
  };
}

/** Every command of the tree (visible ones, with commander's help option and help command). */
function collect(cmd: Command, path: string[], into: CmdSpec[]): CmdSpec[] {
  const help = cmd.createHelp();
  const subs = help.visibleCommands(cmd);
  const first = cmd.registeredArguments[0];
  into.push({
    path,
    description: cmd.description(),
    subcommands: subs.map((c) => ({ name: c.name(), description: c.description() })),
    options: help.visibleOptions(cmd).map(optSpec),
    argChoices: first?.argChoices,
  });
  for (const sub of subs) {
    if (cmd.commands.includes(sub)) collect(sub, [...path, sub.name()], into);
    else if (sub.name() === "help") {
      // commander's implicit `help [command]`: its argument is one of the sibling commands.
      into.push({
        path: [...path, "help"],
        description: sub.description(),
        subcommands: [],
        options: [],
        argChoices: cmd.commands.map((c) => c.name()),
      });
    }
  }
  return into;
}

/** Single-quotes a word for bash and zsh. */
function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Single-quotes a word for fish (which knows `\'` and `\\` inside single quotes). */
function fq(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** The first line of a description, for the short completion menus of zsh and fish. */
function short(s: string): string {
  return s.split("\n")[0].trim();
}

function funcName(program: Command): string {
  return `_${program.name().replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * The options that take a value at `s`: its own and, as commander accepts them after a
 * subcommand too, its ancestors' (a subcommand's own option wins over a same-named one).
 */
function valueOptions(specs: CmdSpec[], s: CmdSpec): OptSpec[] {
  const found: OptSpec[] = [];
  const seen = new Set<string>();
  for (let n = s.path.length; n >= 1; n--) {
    const at = specs.find((t) => t.path.join(" ") === s.path.slice(0, n).join(" "));
    for (const o of at?.options ?? []) {
      if (o.names.some((name) => seen.has(name))) continue;
      o.names.forEach((name) => seen.add(name));
      if (o.required) found.push(o);
    }
  }
  return found;
}

/** `case "$cmdpath:$w"` patterns: descend into a subcommand, or skip an option's value. */
function walkTable(specs: CmdSpec[], quote: (s: string) => string) {
  const descend: [string, string][] = [];
  const skip: string[] = [];
  for (const s of specs) {
    const here = s.path.join(" ");
    for (const sub of s.subcommands) {
      if (specs.some((t) => t.path.join(" ") === `${here} ${sub.name}`)) {
        descend.push([quote(`${here}:${sub.name}`), quote(`${here} ${sub.name}`)]);
      }
    }
    for (const o of valueOptions(specs, s)) {
      for (const n of o.names) skip.push(quote(`${here}:${n}`));
    }
  }
  return { descend, skip };
}

function bashScript(program: Command, specs: CmdSpec[]): string {
  const fn = funcName(program);
  const { descend, skip } = walkTable(specs, sq);
  const valueCases: string[] = [];
  const optCases: string[] = [];
  const wordCases: string[] = [];
  for (const s of specs) {
    const here = s.path.join(" ");
    for (const o of valueOptions(specs, s)) {
      const pats = o.names.map((n) => sq(`${here}:${n}`)).join("|");
      // No choices: an empty reply, and `complete -o default` falls back to file names.
      const reply = o.choices ? `words=${sq(o.choices.join(" "))}` : "return 0";
      valueCases.push(`      ${pats}) ${reply} ;;`);
    }
    const names = s.options.flatMap((o) => o.names);
    if (names.length > 0) optCases.push(`      ${sq(here)}) words=${sq(names.join(" "))} ;;`);
    const positional = s.subcommands.length > 0
      ? s.subcommands.map((c) => c.name)
      : s.argChoices ?? [];
    if (positional.length > 0) {
      wordCases.push(`      ${sq(here)}) words=${sq(positional.join(" "))} ;;`);
    }
  }
  const root = sq(program.name());
  return `# bash completion for ${program.name()}, generated by \`${program.name()} completions bash\`.
# Install: source <(${program.name()} completions bash)   (e.g. in ~/.bashrc)

${fn}() {
  local cur prev cmdpath w words i
  COMPREPLY=()
  cur=\${COMP_WORDS[COMP_CWORD]}
  prev=""
  if [[ $COMP_CWORD -gt 0 ]]; then prev=\${COMP_WORDS[COMP_CWORD-1]}; fi
  # "--opt=value" arrives as three words when '=' is in COMP_WORDBREAKS.
  if [[ $cur == "=" ]]; then
    cur=""
  elif [[ $prev == "=" && $COMP_CWORD -gt 1 ]]; then
    prev=\${COMP_WORDS[COMP_CWORD-2]}
  fi
  cmdpath=${root}
  i=1
  while [[ $i -lt $COMP_CWORD ]]; do
    w=\${COMP_WORDS[i]}
    case "$cmdpath:$w" in
${descend.map(([pat, to]) => `      ${pat}) cmdpath=${to} ;;`).join("\n")}
${skip.length > 0 ? `      ${skip.join("|")})` : "      '')"}
        i=$((i + 1))
        if [[ \${COMP_WORDS[i]} == "=" ]]; then i=$((i + 1)); fi
        ;;
    esac
    i=$((i + 1))
  done
  words=""
  case "$cmdpath:$prev" in
${valueCases.join("\n")}
  esac
  if [[ -z $words ]]; then
    if [[ $cur == -* ]]; then
      case "$cmdpath" in
${optCases.join("\n")}
      esac
    else
      case "$cmdpath" in
${wordCases.join("\n")}
      esac
    fi
  fi
  if [[ -n $words ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  fi
  return 0
}

complete -o default -F ${fn} ${program.name()}
`;
}

function zshScript(program: Command, specs: CmdSpec[]): string {
  const fn = funcName(program);
  const { descend, skip } = walkTable(specs, sq);
  const describe = (name: string, description: string) =>
    sq(`${name.replaceAll(":", "\\:")}:${short(description)}`);
  const valueCases: string[] = [];
  const optCases: string[] = [];
  const wordCases: string[] = [];
  for (const s of specs) {
    const here = s.path.join(" ");
    for (const o of valueOptions(specs, s)) {
      const pats = o.names.map((n) => sq(`${here}:${n}`)).join("|");
      const reply = o.choices ? `compadd -- ${o.choices.map(sq).join(" ")}` : "_files";
      valueCases.push(`    (${pats}) ${reply}; return ;;`);
    }
    const opts = s.options.flatMap((o) => o.names.map((n) => describe(n, o.description)));
    if (opts.length > 0) optCases.push(`      (${sq(here)}) items=(${opts.join(" ")}) ;;`);
    if (s.subcommands.length > 0) {
      const subs = s.subcommands.map((c) => describe(c.name, c.description));
      wordCases.push(`      (${sq(here)}) items=(${subs.join(" ")}) ;;`);
    } else if (s.argChoices) {
      wordCases.push(`      (${sq(here)}) compadd -- ${s.argChoices.map(sq).join(" ")}; return ;;`);
    }
  }
  return `#compdef ${program.name()}
# zsh completion for ${program.name()}, generated by \`${program.name()} completions zsh\`.
# Install: ${program.name()} completions zsh > ~/.zfunc/_${program.name()}
#   with 'fpath=(~/.zfunc $fpath)' before 'compinit' in ~/.zshrc.

${fn}() {
  local cmdpath=${sq(program.name())} w cur prev
  local -a items
  local -i i=2
  while (( i < CURRENT )); do
    w=\${words[i]}
    case "$cmdpath:$w" in
${descend.map(([pat, to]) => `      (${pat}) cmdpath=${to} ;;`).join("\n")}
${skip.length > 0 ? `      (${skip.join("|")}) (( i++ )) ;;` : ""}
    esac
    (( i++ ))
  done
  cur=\${words[CURRENT]}
  prev=\${words[CURRENT-1]}
  case "$cmdpath:$prev" in
${valueCases.join("\n")}
  esac
  if [[ $cur == -* ]]; then
    case "$cmdpath" in
${optCases.join("\n")}
    esac
    (( \${#items} )) && _describe -t options option items
  else
    case "$cmdpath" in
${wordCases.join("\n")}
    esac
    if (( \${#items} )); then _describe -t commands command items; else _files; fi
  fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program.name()}
fi
`;
}

function fishScript(program: Command, specs: CmdSpec[]): string {
  const name = program.name();
  const fn = `__${funcName(program).slice(1)}`;
  const { descend, skip } = walkTable(specs, fq);
  const lines: string[] = [];
  for (const s of specs) {
    const cond = `-n ${fq(`${fn}_path_is ${fq(s.path.join(" "))}`)}`;
    for (const c of s.subcommands) {
      lines.push(`complete -c ${name} ${cond} -f -a ${fq(c.name)} -d ${fq(short(c.description))}`);
    }
    if (s.subcommands.length === 0 && s.argChoices) {
      lines.push(`complete -c ${name} ${cond} -f -a ${fq(s.argChoices.join(" "))}`);
    }
    for (const o of s.options) {
      const flags = o.names.map((n) =>
        n.startsWith("--") ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`
      );
      const value = o.choices ? ` -x -a ${fq(o.choices.join(" "))}` : o.required ? " -r" : "";
      lines.push(
        `complete -c ${name} ${cond} ${flags.join(" ")}${value} -d ${fq(short(o.description))}`,
      );
    }
  }
  const cases = descend.map(([pat, to]) =>
    `            case ${pat}\n                set cmdpath ${to}`
  );
  return `# fish completion for ${name}, generated by \`${name} completions fish\`.
# Install: ${name} completions fish > ~/.config/fish/completions/${name}.fish

# The command path the words before the cursor lead to, e.g. '${name} job'.
function ${fn}_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmdpath ${fq(name)}
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch "$cmdpath:$w"
${cases.join("\n")}
${skip.length > 0 ? `            case ${skip.join(" ")}\n                set skip 1` : ""}
        end
    end
    echo $cmdpath
end

function ${fn}_path_is
    test (${fn}_path) = "$argv[1]"
end

complete -c ${name} -e
${lines.join("\n")}
`;
}

/**
 * The completion script for `shell`, generated from `program`'s command tree.
 *
 * @example
 * ```ts
 * import { buildProgram } from "../main.ts";
 * import { completionScript } from "./completions.ts";
 * const script = completionScript(buildProgram(), "bash");
 * console.log(script.includes("complete -o default -F _flow flow")); // true
 * ```
 */
export function completionScript(program: Command, shell: Shell): string {
  const specs = collect(program, [program.name()], []);
  switch (shell) {
    case "bash":
      return bashScript(program, specs);
    case "zsh":
      return zshScript(program, specs);
    case "fish":
      return fishScript(program, specs);
  }
}

/**
 * Registers `flow completions <shell>`, which prints the completion script of the whole program.
 *
 * @example
 * ```ts
 * import { buildProgram } from "../main.ts";
 * const program = buildProgram(); // registerCompletions(program, ctx) is one of its steps
 * console.log(program.commands.some((c) => c.name() === "completions")); // true
 * ```
 */
export function registerCompletions(program: Command, _ctx: CliContext): void {
  const shell = program.createArgument("<shell>", "the shell").choices(SHELLS);
  program
    .command("completions")
    .addArgument(shell)
    .description("print a shell completion script for flow's commands and options")
    .addHelpText(
      "after",
      `
Install:
  bash:  source <(flow completions bash)         # in ~/.bashrc
  zsh:   flow completions zsh > ~/.zfunc/_flow   # with fpath=(~/.zfunc $fpath) before compinit
  fish:  flow completions fish > ~/.config/fish/completions/flow.fish

Examples:
  flow completions bash
  flow completions zsh > ~/.zfunc/_flow`,
    )
    .action((name: Shell) => {
      out(completionScript(program, name));
    });
}
