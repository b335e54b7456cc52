/**
 * JSON read and written exactly as Python's `json` module does, keeping
 * integers and floats apart (see `value.ts`).
 *
 * `parse` accepts what `json.loads` accepts (including `NaN`, `Infinity`,
 * `-Infinity`) and reports syntax errors with line and column; `dumps`
 * writes what `json.dumps` writes with its default separators and
 * `ensure_ascii=True`.
 *
 * @module
 */

import { DataError } from "../errors.ts";
import { isJsonObject, type JsonObject, type JsonValue, PyFloat, pyFloatRepr } from "./value.ts";

/**
 * A JSON text could not be parsed; the message names line and column.
 *
 * @example
 * ```ts
 * import { JsonSyntaxError, parse } from "./json.ts";
 * try { parse("{", "sp.json"); } catch (e) { console.log(e instanceof JsonSyntaxError); }
 * ```
 */
export class JsonSyntaxError extends DataError {}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// When none of these can occur, JSON.parse is exact (no floats, no big ints, no NaN).
const NEEDS_EXACT = /\d[.eE]|\d{16}|NaN|Infinity/;

/**
 * Parses JSON text, keeping `1.0` a float ({@link PyFloat}) and large
 * integers exact (`bigint`).
 *
 * @param text the JSON text
 * @param source where it came from, used in error messages
 * @example
 * ```ts
 * import { parse } from "./json.ts";
 * const v = parse('{"a": 1.0, "b": 18446744073709551616}');
 * ```
 */
export function parse(text: string, source = "JSON"): JsonValue {
  if (!NEEDS_EXACT.test(text)) {
    let value: JsonValue | undefined;
    try {
      value = JSON.parse(text);
    } catch {
      // fall through to the exact parser for a precise error message
    }
    // Nesting deeper than MAX_DEPTH takes more than 2 * MAX_DEPTH characters; the exact
    // parser refuses it, with its position, so that the fast path accepts no more than it.
    if (value !== undefined && (text.length <= 2 * MAX_DEPTH || !nestedDeeper(value, 0))) {
      return value;
    }
  }
  return new Parser(text, source).parseDocument();
}

/** Deepest nesting of values `parse` accepts (the top level is 0; deeper would overflow `dumps`). */
const MAX_DEPTH = 1000;

/** True if `v`, at nesting `depth`, is or holds a value nested deeper than MAX_DEPTH. */
function nestedDeeper(v: JsonValue, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (nestedDeeper(x, depth + 1)) return true;
    return false;
  }
  for (const k in v) if (nestedDeeper((v as JsonObject)[k], depth + 1)) return true;
  return false;
}

class Parser {
  pos = 0;
  constructor(readonly text: string, readonly source: string) {}

  parseDocument(): JsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.pos < this.text.length) this.fail("unexpected text after the JSON value");
    return v;
  }

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    const col = this.pos - before.lastIndexOf("\n");
    throw new JsonSyntaxError(
      `${this.source}: invalid JSON at line ${line}, column ${col}: ${what}`,
    );
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    const t = this.text;
    const c = t[this.pos];
    switch (c) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      case "N":
        return this.literal("NaN", NaN);
      case "I":
        return this.literal("Infinity", Infinity);
      case undefined:
        return this.fail("unexpected end of input, expected a value");
      default:
        if (c === "-" && t.startsWith("-Infinity", this.pos)) {
          return this.literal("-Infinity", -Infinity);
        }
        if (c === "-" || (c >= "0" && c <= "9")) return this.number();
        return this.fail(`unexpected character ${JSON.stringify(c)}, expected a value`);
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected text, expected a value`);
    this.pos += word.length;
    return v;
  }

  number(): JsonValue {
    const re = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return this.fail("malformed number");
    this.pos = re.lastIndex;
    const raw = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(raw);
      if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
      const b = BigInt(raw);
      return b > MAX_SAFE || b < -MAX_SAFE ? b : Number(b);
    }
    const f = Number(raw);
    return Number.isInteger(f) || Object.is(f, -0) ? new PyFloat(f) : f;
  }

  string(): string {
    const t = this.text;
    const start = ++this.pos;
    // Fast path: no escapes.
    let i = start;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return t.slice(start, i);
      }
      if (c === 92 || c < 32) break;
      i++;
    }
    let out = t.slice(start, i);
    this.pos = i;
    while (true) {
      if (this.pos >= t.length) this.fail("unterminated string");
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        this.pos++;
        return out;
      }
      if (c < 32) this.fail("control character in string");
      if (c !== 92) {
        out += t[this.pos++];
        continue;
      }
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos -= 2;
          this.fail("invalid escape in string");
      }
    }
  }

  array(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    while (true) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c === "]") {
        this.pos++;
        return out;
      } else this.fail("expected ',' or ']'");
    }
  }

  object(depth: number): JsonObject {
    this.pos++;
    const out: JsonObject = {};
    this.ws();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    while (true) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail("expected a property name in double quotes");
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after a property name");
      this.pos++;
      this.ws();
      const v = this.value(depth + 1);
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c === "}") {
        this.pos++;
        return out;
      } else this.fail("expected ',' or '}'");
    }
  }
}

/** Options of {@link dumps}. */
export interface DumpOptions {
  /** Sort object keys by code point, as `sort_keys=True` does. */
  sortKeys?: boolean;
  /** Indent by this many spaces per level (Python's `indent=`); compact if absent. */
  indent?: number;
}

/**
 * Serialises a value exactly as Python's `json.dumps` does (separators
 * `", "` and `": "`, `ensure_ascii=True`, float `repr`).
 *
 * @example
 * ```ts
 * import { dumps } from "./json.ts";
 * import { float } from "./value.ts";
 * console.log(dumps({ b: "é", a: float(1) }, { sortKeys: true })); // {"a": 1.0, "b": "\u00e9"}
 * ```
 */
export function dumps(value: JsonValue, options: DumpOptions = {}): string {
  const parts: string[] = [];
  write(value, parts, options.sortKeys ?? false, options.indent, 0);
  return parts.join("");
}

/**
 * Compares strings by Unicode code point, as Python sorts `str`. A surrogate
 * pair counts as the code point above 0xFFFF it stands for; a lone surrogate
 * (which Python's `json` reads from `"\udc00"`) as the code point of its value.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  // Neither is a surrogate: the code units are the code points.
  if ((x < 0xd800 || x > 0xdfff) && (y < 0xd800 || y > 0xdfff)) return x - y;
  // The code points that differ start here, or one unit earlier when that unit is a high
  // surrogate (the shared first half of a pair, or a lone high surrogate).
  const prev = i > 0 ? a.charCodeAt(i - 1) : 0;
  if (prev >= 0xd800 && prev <= 0xdbff) {
    const cx = a.codePointAt(i - 1)!;
    const cy = b.codePointAt(i - 1)!;
    if (cx !== cy) return cx - cy;
  }
  return a.codePointAt(i)! - b.codePointAt(i)!;
}

function write(
  v: JsonValue,
  out: string[],
  sort: boolean,
  indent: number | undefined,
  level: number,
) {
  if (v === null) out.push("null");
  else if (v === true) out.push("true");
  else if (v === false) out.push("false");
  else if (typeof v === "string") out.push(quote(v));
  else if (typeof v === "number") {
    out.push(Number.isInteger(v) ? (Object.is(v, -0) ? "0" : bigIntText(v)) : pyFloatRepr(v));
  } else if (typeof v === "bigint") out.push(v.toString());
  else if (v instanceof PyFloat) out.push(pyFloatRepr(v.value));
  else if (Array.isArray(v)) {
    if (v.length === 0) return void out.push("[]");
    out.push("[");
    v.forEach((item, i) => {
      if (i > 0) out.push(indent === undefined ? ", " : ",");
      if (indent !== undefined) out.push("\n" + " ".repeat(indent * (level + 1)));
      write(item, out, sort, indent, level + 1);
    });
    if (indent !== undefined) out.push("\n" + " ".repeat(indent * level));
    out.push("]");
  } else if (isJsonObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return void out.push("{}");
    if (sort) keys.sort(compareCodePoints);
    out.push("{");
    keys.forEach((k, i) => {
      if (i > 0) out.push(indent === undefined ? ", " : ",");
      if (indent !== undefined) out.push("\n" + " ".repeat(indent * (level + 1)));
      out.push(quote(k), ": ");
      write(v[k], out, sort, indent, level + 1);
    });
    if (indent !== undefined) out.push("\n" + " ".repeat(indent * level));
    out.push("}");
  } else {
    throw new TypeError(`not a JSON value: ${String(v)}`);
  }
}

// Integral numbers beyond 1e21 print in exponent form in JS; Python prints every digit.
function bigIntText(n: number): string {
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** Quotes a string as Python's `json.dumps` with `ensure_ascii=True` does. */
export function quote(s: string): string {
  // Printable ASCII other than '"' and '\\' passes through unchanged.
  if (/^[ !#-[\]-~]*$/.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (ESCAPES[ch] !== undefined) out += ESCAPES[ch];
    else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}
