// Private helper of the flow.yaml reader: YAML text to a plain tree
// (_tree.ts), with every problem of the text itself (syntax, tags, duplicate
// keys, nesting) as a ConfigError at its position. The only module of the
// reader that loads the YAML parser; the parse cache imports it on a miss.

import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "../deps.ts";
import { duplicateKey } from "../workspace/yaml.ts";
import { ConfigError, type SourcePosition } from "./_error.ts";
import type { TreeNode, TreeValue } from "./_tree.ts";

/** Our words for the parser's errors whose own message would confuse a reader of flow.yaml. */
const OWN_MESSAGES: Partial<Record<string, string>> = {
  // The parser ran out of stack: lists or maps nested hundreds of levels deep.
  RESOURCE_EXHAUSTION: "lists or maps are nested too deeply",
  // Its own message advises a function of its API.
  MULTIPLE_DOCS: "a second document starts here ('---'); the file must hold one document",
};

/**
 * Parses the text of a flow.yaml (already checked by checkFlowYamlText) into
 * a tree; null for an empty document.
 *
 * @throws {ConfigError} for malformed YAML, tags, duplicate keys and nesting too deep
 */
export function parseTree(text: string, path: string): TreeNode | null {
  const lines = new LineCounter();
  // uniqueKeys: the parser's own check is quadratic in the keys of a map (minutes for a
  // map of 300,000 keys); duplicateKey below does it in linear time.
  const doc = parseDocument(text, {
    lineCounter: lines,
    intAsBigInt: true,
    uniqueKeys: false,
    prettyErrors: true,
  });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const message = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    // The usual cause: a command with {placeholders} written unquoted inside {...} or [...].
    const hint = /Unexpected flow-(map|seq)-start/.test(message)
      ? " (a command with {placeholders} inside {...} or [...] must be quoted)"
      : "";
    throw new ConfigError(
      path,
      pos ? { line: pos.line, column: pos.col } : undefined,
      `invalid YAML: ${OWN_MESSAGES[first.code] ?? message + hint}`,
      { cause: first },
    );
  }
  // An unknown tag (`!!python/object`, `!foo`) is only a warning for the parser, which then
  // keeps the plain value: refuse it rather than read something else than was meant.
  const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (tag) {
    const pos = tag.linePos?.[0];
    const message = tag.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(
      path,
      pos ? { line: pos.line, column: pos.col } : undefined,
      `invalid YAML: ${message} (flow.yaml takes plain YAML values, without tags)`,
      { cause: tag },
    );
  }
  const duplicate = duplicateKey(doc, text);
  if (duplicate) {
    const at = lines.linePos(duplicate.node.range?.[0] ?? 0);
    throw new ConfigError(
      path,
      { line: at.line, column: at.col },
      `invalid YAML: ${duplicate.message}`,
    );
  }
  try {
    return toTree(doc.contents, lines);
  } catch (e) {
    // The parser refuses deep nesting itself; this guards the walk over what it accepted.
    if (e instanceof RangeError) {
      throw new ConfigError(path, undefined, "the file is nested too deeply", { cause: e });
    }
    throw e;
  }
}

/**
 * The parser's nodes as a tree, in document order. An alias gets the node
 * anchored under its name latest before it, as the parser resolves aliases
 * (an anchored node is registered before its children are read, so an alias
 * inside the node it names points to it: the reader reports that cycle).
 */
function toTree(contents: unknown, lines: LineCounter): TreeNode | null {
  const anchors = new Map<string, TreeNode>();
  // A node without a position (none that the parser makes) has no `at`, as after decodeTree.
  const at = (n: Node): { at?: SourcePosition } => {
    const start = n.range?.[0];
    if (start === undefined) return {};
    const p = lines.linePos(start);
    return { at: { line: p.line, column: p.col } };
  };
  const convert = (x: unknown): TreeNode | null => {
    if (isAlias(x)) {
      return { kind: "alias", ...at(x), source: x.source, target: anchors.get(x.source) };
    }
    if (isMap(x)) {
      const t: TreeNode = { kind: "map", ...at(x), items: [] };
      if (x.anchor) anchors.set(x.anchor, t);
      for (const p of x.items) {
        const key = convert(p.key);
        t.items.push([key, convert(p.value)]);
      }
      return t;
    }
    if (isSeq(x)) {
      const t: TreeNode = { kind: "seq", ...at(x), items: [] };
      if (x.anchor) anchors.set(x.anchor, t);
      for (const item of x.items) t.items.push(convert(item));
      return t;
    }
    if (isScalar(x)) {
      const v = x.value;
      const plain = v === null || typeof v === "string" || typeof v === "boolean" ||
        typeof v === "bigint" || typeof v === "number";
      const t: TreeNode = plain
        ? { kind: "scalar", ...at(x), value: v as TreeValue }
        : { kind: "scalar", ...at(x), value: undefined, tag: x.tag ?? "?" };
      if (x.anchor) anchors.set(x.anchor, t);
      return t;
    }
    return null;
  };
  return convert(contents);
}
