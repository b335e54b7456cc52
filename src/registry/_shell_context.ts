// Private helper of template.ts: reads a command template as bash would, to
// know, for every placeholder, how its value must be quoted to stay data.
//
// bash reads a value differently in every context: outside quotes, inside
// '...', "...", $'...', a comment, a here-document body, a backtick command
// substitution (where backslashes are processed once more), or an arithmetic
// expression (where bash evaluates `a[$(cmd)]` even from a quoted word). The
// scanner below tracks these contexts with a stack of frames, one per
// $(...), `...`, $((...)), ((...)), $[...] and ${...}, each with its quote
// state, and records for each placeholder the context it stands in. Where a
// placeholder cannot be made safe (right after `$` or `\`, as a here-document
// delimiter, as the name in ${...}), the template is refused when it is read.

import { DefinitionError } from "./error.ts";

/** How the value of a placeholder is written into the command. */
export type Quoting =
  | "none" // outside quotes: one single-quoted word
  | "single" // inside '...': each ' closed and reopened
  | "double" // inside "...": \ " $ ` escaped
  | "ansi" // inside $'...': \ and ' escaped
  | "comment" // inside a # comment: newlines taken out
  | "heredoc" // in the body of a here-document with an unquoted delimiter: \ $ ` escaped
  | "heredoc-raw"; // in the body of a here-document with a quoted delimiter: as it is

/** Where a placeholder stands. */
export interface PlaceholderContext {
  /** The quoting its value needs. */
  quoting: Quoting;
  /** How many backtick substitutions enclose it (each escapes \ $ ` once more). */
  backticks: number;
  /** True where bash evaluates the text as arithmetic: only numbers are substituted. */
  numeric: boolean;
}

/** A placeholder of the template (`path` is `raw` split at dots). */
export interface PlaceholderPart {
  readonly path: string[];
  readonly raw: string;
  readonly context: PlaceholderContext;
}

/** The start or the end of a here-document body, to check the substituted lines. */
export interface HeredocMark {
  readonly heredoc: "start" | "end";
  /** The number of the here-document in the template. */
  readonly id: number;
  /** Its delimiter. */
  readonly delim: string;
  /** `<<-`: leading tabs are stripped before the delimiter is compared. */
  readonly strip: boolean;
  /** For "end": the length of the delimiter line just written, which is not part of the body. */
  readonly trailer: number;
}

/** A part of a parsed template. */
export type Part = string | PlaceholderPart | HeredocMark;

/** One item of the template after brace decoding: a character, or a placeholder. */
export type Item = string | { readonly raw: string; readonly path: string[] };

type State = "none" | "single" | "double" | "ansi" | "comment" | "heredoc";
type Kind = "top" | "cmdsub" | "backtick" | "arith" | "arith-bracket" | "param";

interface Heredoc {
  delim: string;
  quoted: boolean;
  strip: boolean;
}

interface Body extends Heredoc {
  id: number;
  line: string;
  dirty: boolean;
}

/** The words of a `[[ ... ]]`: the operands of -eq, -ne, -lt, -le, -gt and -ge are arithmetic. */
interface Test {
  /** Placeholders of the current word and of the word before it. */
  cur: PlaceholderContext[];
  prev: PlaceholderContext[];
  /** A word has started. */
  inWord: boolean;
  /** The current word is an arithmetic operator; the next one is its right operand. */
  opWord: boolean;
  /** The current word is the right operand of an arithmetic operator. */
  operand: boolean;
}

/** The word of a `[[ ... ]]` has ended. */
function endWord(t: Test): void {
  if (!t.inWord) return;
  if (t.opWord) {
    t.opWord = false;
    t.operand = true;
  } else t.operand = false;
  t.prev = t.cur;
  t.cur = [];
  t.inWord = false;
}

interface Frame {
  kind: Kind;
  state: State;
  /** Parentheses (cmdsub, arith), brackets (arith-bracket, a param's subscript) or braces (param). */
  depth: number;
  /** The next character starts a word (a `#` there starts a comment). */
  wordStart: boolean;
  /** Here-documents announced on the current line. */
  pending: Heredoc[];
  body?: Body;
  /** In a param frame: "double" when the ${...} stands inside "...". */
  base: "none" | "double";
  phase: "name" | "subscript" | "offset" | "word";
  /** In a param frame: a character of the name has been read (a later `#` is an operator). */
  named: boolean;
  /** Inside `let ...` up to the end of the command. */
  letCommand: boolean;
  /** Open `case ... esac` (their `)` do not close a command substitution). */
  cases: number;
  /** Inside `[[ ... ]]`: its words, to find the operands of -eq, -lt, ... */
  test?: Test;
}

const BLANK = /[ \t]/;
const WORD_END = /[ \t\n;&|()<>]/;
const ARITH_TEST_OPS = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);

function frame(kind: Kind, state: State = "none", base: "none" | "double" = "none"): Frame {
  return {
    kind,
    state,
    depth: 0,
    wordStart: true,
    pending: [],
    base,
    phase: "name",
    named: false,
    letCommand: false,
    cases: 0,
  };
}

/**
 * Splits decoded template items into text, placeholders with their context,
 * and here-document marks.
 *
 * @throws {DefinitionError} where a placeholder cannot be quoted safely.
 */
export function scanTemplate(items: readonly Item[], where: string): Part[] {
  const parts: Part[] = [];
  const stack: Frame[] = [frame("top")];
  let text = "";
  let heredocs = 0;
  const top = () => stack[stack.length - 1];
  const flush = () => {
    if (text) parts.push(text);
    text = "";
  };
  const charAt = (i: number): string | undefined =>
    typeof items[i] === "string" ? items[i] as string : undefined;
  /** The literal word starting at `i` (undefined if a placeholder or a quote is part of it). */
  const wordAt = (i: number): string | undefined => {
    let w = "";
    for (let k = i; k < items.length; k++) {
      const c = charAt(k);
      if (c === undefined) return undefined;
      if (WORD_END.test(c) || c === "`") break;
      if (c === "'" || c === '"' || c === "\\" || c === "$") return undefined;
      w += c;
    }
    return w;
  };
  const refuse = (why: string): never => {
    throw new DefinitionError(`${where}: ${why}`);
  };
  const placeholderAt = (i: number) => {
    const item = items[i];
    return typeof item === "string" ? undefined : item;
  };
  const noPlaceholderAfter = (i: number, what: string) => {
    const p = placeholderAt(i + 1);
    if (p) {
      refuse(
        `${what} right before '{${p.raw}}' would change how the shell reads the value ` +
          `(flow quotes substituted values itself: remove the ${what})`,
      );
    }
  };
  /** Handles `$` at i in a state where it expands; returns the index of the last item consumed. */
  const dollar = (i: number, f: Frame): number => {
    noPlaceholderAfter(i, "'$'");
    const c1 = charAt(i + 1);
    const c2 = charAt(i + 2);
    if (c1 === "(" && c2 === "(") {
      text += "$((";
      stack.push(frame("arith"));
      return i + 2;
    }
    if (c1 === "(") {
      text += "$(";
      stack.push(frame("cmdsub"));
      return i + 1;
    }
    if (c1 === "[") {
      text += "$[";
      stack.push(frame("arith-bracket"));
      return i + 1;
    }
    if (c1 === "{") {
      text += "${";
      const base = f.state === "double" || f.state === "heredoc" ? "double" : "none";
      stack.push(frame("param", base === "double" ? "double" : "none", base));
      const p = placeholderAt(i + 2);
      if (p) refuse(`'{${p.raw}}' cannot name a shell variable in '\${...}'`);
      return i + 1;
    }
    if (f.state === "none" && c1 === "'") {
      text += "$'";
      f.state = "ansi";
      return i + 1;
    }
    if (f.state === "none" && c1 === '"') {
      text += '$"';
      f.state = "double";
      return i + 1;
    }
    text += "$";
    return i;
  };
  /** Reads the delimiter word of a here-document starting at i; returns the last index consumed. */
  const heredocWord = (i: number, f: Frame): number => {
    let k = i;
    let strip = false;
    if (charAt(k) === "-") {
      strip = true;
      text += "-";
      k++;
    }
    while (charAt(k) !== undefined && BLANK.test(charAt(k)!)) text += charAt(k++);
    let delim = "";
    let quoted = false;
    let quote: string | undefined;
    for (; k < items.length; k++) {
      const c = charAt(k);
      if (c === undefined) refuse(`a placeholder cannot be (part of) a here-document delimiter`);
      if (quote) {
        text += c;
        if (c === quote) quote = undefined;
        else delim += c;
        continue;
      }
      if (WORD_END.test(c!)) break;
      text += c;
      if (c === "'" || c === '"') {
        quoted = true;
        quote = c;
      } else if (c === "\\") {
        quoted = true;
        const n = charAt(k + 1);
        if (n === undefined) {
          refuse(`a placeholder cannot be (part of) a here-document delimiter`);
        }
        text += n;
        delim += n;
        k++;
      } else delim += c;
    }
    f.pending.push({ delim, quoted, strip });
    return k - 1;
  };
  const startBody = (f: Frame) => {
    const next = f.pending.shift()!;
    f.state = "heredoc";
    f.body = { ...next, id: heredocs++, line: "", dirty: false };
    flush();
    parts.push({
      heredoc: "start",
      id: f.body.id,
      delim: next.delim,
      strip: next.strip,
      trailer: 0,
    });
  };
  const endOfCommand = (f: Frame) => {
    f.letCommand = false;
    f.wordStart = true;
  };

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const f = top();
    if (typeof item !== "string") {
      // A placeholder.
      if (f.kind === "param" && f.phase === "name") {
        refuse(`'{${item.raw}}' cannot name a shell variable in '\${...}'`);
      }
      if (f.kind === "param" && f.base === "double" && f.phase === "word") {
        // bash pairs single quotes inside "${...}" yet keeps them: no quoting of a value holds there.
        refuse(
          `'{${item.raw}}' inside a double-quoted '\${...}' cannot be quoted safely ` +
            `(write the '\${...}' outside double quotes)`,
        );
      }
      // Text anywhere inside an arithmetic context ends up evaluated as arithmetic, even
      // when it comes out of a nested $(...) or ${...}.
      const numeric = stack.some((s) =>
        s.kind === "arith" || s.kind === "arith-bracket" || s.letCommand || s.test?.operand ||
        (s.kind === "param" && (s.phase === "subscript" || s.phase === "offset"))
      );
      const quoting: Quoting = f.state === "heredoc"
        ? (f.body!.quoted ? "heredoc-raw" : "heredoc")
        : f.state;
      const context: PlaceholderContext = {
        quoting,
        backticks: stack.filter((s) => s.kind === "backtick").length,
        numeric,
      };
      flush();
      parts.push({ path: item.path, raw: item.raw, context });
      for (const s of stack) {
        if (!s.test) continue;
        s.test.cur.push(context);
        s.test.inWord = true;
      }
      if (f.body) f.body.dirty = true;
      f.wordStart = false;
      continue;
    }
    const c = item;
    // The closing backtick ends a backtick substitution whatever the quotes inside.
    if (f.kind === "backtick" && c === "`") {
      text += c;
      stack.pop();
      top().wordStart = false;
      continue;
    }
    // The name, subscript or offset of a ${...}.
    if (f.kind === "param" && f.phase !== "word" && (f.state === "none" || f.state === "double")) {
      if (c === "\\") {
        noPlaceholderAfter(i, "backslash");
        text += c + (charAt(i + 1) ?? "");
        i++;
        continue;
      }
      if (c === "$") {
        i = dollar(i, f);
        continue;
      }
      if (c === "`") {
        text += c;
        stack.push(frame("backtick"));
        continue;
      }
      text += c;
      if (f.phase === "subscript") {
        if (c === "[") f.depth++;
        else if (c === "]") {
          if (f.depth > 0) f.depth--;
          else f.phase = "name";
        }
      } else if (c === "}") stack.pop();
      else if (f.phase === "name") {
        if (c === "[") f.phase = "subscript";
        else if (f.named && c === ":") {
          const n = charAt(i + 1);
          if (n !== undefined && "-=?+".includes(n)) {
            text += n;
            i++;
            f.phase = "word";
          } else f.phase = "offset";
        } else if (f.named && "-=?+%/^,@#".includes(c)) f.phase = "word";
        f.named = true;
      }
      continue;
    }
    switch (f.state) {
      case "single":
        text += c;
        if (c === "'") f.state = "none";
        continue;
      case "ansi":
        if (c === "\\") {
          noPlaceholderAfter(i, "backslash");
          text += c + (charAt(i + 1) ?? "");
          i++;
          continue;
        }
        text += c;
        if (c === "'") f.state = "none";
        continue;
      case "comment":
        if (c !== "\n") {
          text += c;
          continue;
        }
        f.state = "none";
        break; // the newline ends the comment and is read below
      case "heredoc": {
        const body = f.body!;
        if (c === "\n") {
          const line = body.strip ? body.line.replace(/^\t+/, "") : body.line;
          if (!body.dirty && line === body.delim) {
            flush();
            parts.push({
              heredoc: "end",
              id: body.id,
              delim: body.delim,
              strip: body.strip,
              trailer: body.line.length,
            });
            text += c;
            f.body = undefined;
            if (f.pending.length > 0) startBody(f);
            else {
              f.state = "none";
              endOfCommand(f);
            }
          } else {
            text += c;
            body.line = "";
            body.dirty = false;
          }
          continue;
        }
        if (!body.quoted) {
          if (c === "\\") {
            noPlaceholderAfter(i, "backslash");
            const n = charAt(i + 1) ?? "";
            text += c + n;
            body.line += c + n;
            i++;
            continue;
          }
          if (c === "$" || c === "`") {
            body.dirty = true;
            if (c === "`") {
              text += c;
              stack.push(frame("backtick"));
            } else i = dollar(i, f);
            continue;
          }
        }
        text += c;
        body.line += c;
        continue;
      }
      case "double":
        if (c === "\\") {
          noPlaceholderAfter(i, "backslash");
          text += c + (charAt(i + 1) ?? "");
          i++;
          continue;
        }
        if (c === "$") {
          i = dollar(i, f);
          continue;
        }
        if (c === "`") {
          text += c;
          stack.push(frame("backtick"));
          continue;
        }
        if (f.kind === "param" && f.base === "double") {
          // Inside "${...}" quotes nest; the value is escaped the same way either way.
          if (c === "{") f.depth++;
          if (c === "}") {
            text += c;
            if (f.depth === 0) stack.pop();
            else f.depth--;
            continue;
          }
          text += c;
          continue;
        }
        text += c;
        if (c === '"') f.state = "none";
        continue;
      case "none":
        break;
    }
    // Outside quotes.
    if (f.test) {
      if (WORD_END.test(c)) endWord(f.test);
      else f.test.inWord = true;
    }
    if (c === "\\") {
      noPlaceholderAfter(i, "backslash");
      const n = charAt(i + 1) ?? "";
      text += c + n;
      i++;
      if (n !== "\n") f.wordStart = false;
      continue;
    }
    if (c === "$") {
      i = dollar(i, f);
      f.wordStart = false;
      continue;
    }
    if (c === "`") {
      text += c;
      stack.push(frame("backtick"));
      f.wordStart = false;
      continue;
    }
    if (f.kind === "arith" || f.kind === "arith-bracket") {
      text += c;
      if (f.kind === "arith" && c === "(") f.depth++;
      else if (f.kind === "arith" && c === ")") {
        if (f.depth > 0) f.depth--;
        else if (charAt(i + 1) === ")") {
          text += ")";
          i++;
          stack.pop();
        }
      } else if (f.kind === "arith-bracket" && c === "[") f.depth++;
      else if (f.kind === "arith-bracket" && c === "]") {
        if (f.depth > 0) f.depth--;
        else stack.pop();
      }
      continue;
    }
    if (f.kind === "param" && c === "}" && f.depth === 0) {
      text += c;
      stack.pop();
      continue;
    }
    if (c === "'") {
      text += c;
      f.state = "single";
      f.wordStart = false;
      continue;
    }
    if (c === '"') {
      text += c;
      f.state = "double";
      f.wordStart = false;
      continue;
    }
    // Comments and here-documents exist in commands, not inside ${...}.
    const command = f.kind !== "param";
    if (c === "#" && f.wordStart && command) {
      text += c;
      f.state = "comment";
      continue;
    }
    if (c === "\n") {
      text += c;
      endOfCommand(f);
      if (f.pending.length > 0) startBody(f);
      continue;
    }
    if (f.wordStart && f.kind !== "param") {
      const w = wordAt(i);
      if (w === "let") f.letCommand = true;
      else if (w === "case") f.cases++;
      else if (w === "esac" && f.cases > 0) f.cases--;
      else if (w === "[[" && !f.test) {
        f.test = { cur: [], prev: [], inWord: true, opWord: false, operand: false };
      } else if (w === "]]" && f.test) f.test = undefined;
      else if (w !== undefined && f.test && ARITH_TEST_OPS.has(w)) {
        // `[[ A -eq B ]]` evaluates A and B as arithmetic.
        for (const p of f.test.prev) p.numeric = true;
        f.test.opWord = true;
      }
      if (c === "(" && charAt(i + 1) === "(") {
        text += "((";
        i++;
        stack.push(frame("arith"));
        f.wordStart = false;
        continue;
      }
    }
    if (c === "<" && charAt(i + 1) === "<" && charAt(i + 2) !== "<" && command) {
      text += "<<";
      i = heredocWord(i + 2, f);
      f.wordStart = true;
      continue;
    }
    text += c;
    if (c === "(") f.depth++;
    else if (c === ")") {
      if (f.kind === "cmdsub" && f.depth === 0 && f.cases === 0) {
        stack.pop();
        top().wordStart = false;
        continue;
      }
      if (f.depth > 0) f.depth--;
    } else if (f.kind === "param" && c === "{") f.depth++;
    else if (f.kind === "param" && c === "}") f.depth--;
    if (c === ";" || c === "&" || c === "|") endOfCommand(f);
    else f.wordStart = BLANK.test(c) || c === "(" || c === ")" || c === "<" || c === ">";
  }
  // A here-document that runs to the end of the command: its delimiter line may have no newline.
  const f = top();
  if (f.body && !f.body.dirty) {
    const line = f.body.strip ? f.body.line.replace(/^\t+/, "") : f.body.line;
    if (line === f.body.delim) {
      flush();
      parts.push({
        heredoc: "end",
        id: f.body.id,
        delim: f.body.delim,
        strip: f.body.strip,
        trailer: f.body.line.length,
      });
    }
  }
  flush();
  return parts;
}
