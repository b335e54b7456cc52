/**
 * The text of a flow.yaml, read and checked before any parsing: at most
 * {@link MAX_FLOW_YAML_BYTES}, UTF-8, and only characters YAML allows. Shared
 * by every reader of the file (the workflow loader, its parse cache, the
 * `clusters:` reader); it does not load the YAML parser.
 *
 * @module
 */

import { FlowError, UsageError } from "../errors.ts";
import { ConfigError, type SourcePosition } from "./_error.ts";

/**
 * Largest flow.yaml accepted, in bytes (1 MiB). Real workflow files are a few
 * kilobytes; the YAML parser takes about 1.3 s per MiB of operations and up
 * to 4 s per MiB of a pathological flow sequence on a small VM, so a larger
 * file is refused before it is parsed rather than hang the command.
 */
export const MAX_FLOW_YAML_BYTES = 1024 * 1024;

function tooLarge(path: string, bytes: number): ConfigError {
  return new ConfigError(
    path,
    undefined,
    `the file is larger than ${MAX_FLOW_YAML_BYTES / 1024 / 1024} MiB (${bytes} bytes); ` +
      `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
  );
}

/**
 * Characters YAML 1.2 does not allow in a file (outside its printable set): C0 and C1
 * controls other than tab, line feed, carriage return and NEL, DEL, lone surrogates,
 * U+FFFE and U+FFFF.
 */
const NOT_PRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The 1-based line and column of a character offset of `text`. */
function position(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const start = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - start + 1 };
}

/** UTF-8 length of `text`, computed only when the UTF-16 length leaves a doubt. */
function utf8Length(text: string): number {
  if (text.length > MAX_FLOW_YAML_BYTES || text.length * 3 <= MAX_FLOW_YAML_BYTES) {
    return text.length;
  }
  return new TextEncoder().encode(text).length;
}

/**
 * The checks made before a flow.yaml is parsed, for every reader of the file
 * (the workflow loader, the `clusters:` reader): at most
 * {@link MAX_FLOW_YAML_BYTES}, and only characters YAML allows.
 *
 * @throws {ConfigError} naming the file (and the line of a bad character)
 * @example
 * ```ts
 * import { checkFlowYamlText } from "./text.ts";
 * checkFlowYamlText("operations: {}\n", "flow.yaml"); // fine
 * try {
 *   checkFlowYamlText("a: \u0007\n", "flow.yaml");
 * } catch (e) {
 *   console.log((e as Error).message); // flow.yaml:1:4: invalid YAML: control character U+0007 ...
 * }
 * ```
 */
export function checkFlowYamlText(text: string, path: string): void {
  const size = utf8Length(text);
  if (size > MAX_FLOW_YAML_BYTES) throw tooLarge(path, size);
  const control = NOT_PRINTABLE.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new ConfigError(
      path,
      position(text, control.index),
      `invalid YAML: control character U+${code} (YAML allows only tab, line feed and ` +
        `carriage return; write other characters as escapes in a double-quoted string)`,
    );
  }
}

/**
 * Reads a flow.yaml file as text, checked as {@link checkFlowYamlText} does.
 * The file must be UTF-8 and at most {@link MAX_FLOW_YAML_BYTES} long; it is
 * never read further than that.
 *
 * @param path the file
 * @throws {UsageError} naming the file when it is missing or cannot be read;
 *   {@link ConfigError} (a UsageError too) when it is too large, not UTF-8,
 *   or holds a character YAML does not allow.
 * @example
 * ```ts
 * import { readFlowYamlText } from "./text.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/flow.yaml`, "operations: {}\n");
 * console.log(readFlowYamlText(`${dir}/flow.yaml`)); // "operations: {}\n"
 * ```
 */
export function readFlowYamlText(path: string): string {
  let bytes: Uint8Array;
  let size: number;
  try {
    ({ bytes, size } = readCapped(path, MAX_FLOW_YAML_BYTES + 1));
  } catch (e) {
    if (e instanceof FlowError) throw e;
    const reason = e instanceof Deno.errors.NotFound
      ? "no such file"
      : (e as Error).message.replace(/ \(os error \d+\).*$/s, "");
    throw new UsageError(`${path}: cannot read the workflow file: ${reason}`, { cause: e });
  }
  if (bytes.length > MAX_FLOW_YAML_BYTES) throw tooLarge(path, Math.max(size, bytes.length));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e) {
    throw new ConfigError(path, undefined, "the file is not valid UTF-8 text", { cause: e });
  }
  checkFlowYamlText(text, path);
  return text;
}

/**
 * The first `cap` bytes of a file (fewer if it is shorter), never reading past
 * them, and the file's size as `stat` gives it (for messages).
 */
function readCapped(path: string, cap: number): { bytes: Uint8Array; size: number } {
  const file = Deno.openSync(path, { read: true });
  try {
    const info = file.statSync();
    if (info.isDirectory) {
      throw new UsageError(`${path}: cannot read the workflow file: it is a folder`);
    }
    const buf = new Uint8Array(cap);
    let n = 0;
    while (n < cap) {
      const got = file.readSync(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    return { bytes: buf.subarray(0, n), size: info.size };
  } finally {
    file.close();
  }
}
