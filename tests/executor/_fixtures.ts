// Test helpers: small registries built directly, without a front end.

import { single } from "../../src/registry/aggregate.ts";
import type { Aggregator } from "../../src/registry/aggregate.ts";
import type { Condition } from "../../src/registry/condition.ts";
import { emptyHooks, type Hooks, type OperationFunction } from "../../src/registry/operation.ts";
import type { Registry } from "../../src/registry/registry.ts";
import { Template } from "../../src/registry/template.ts";
import type { DirectiveSpec } from "../../src/directives/mod.ts";
import type { Job } from "../../src/workspace/job.ts";

/** Options of a test operation. */
export interface OpOptions {
  pre?: Condition[];
  post?: Condition[];
  directives?: DirectiveSpec<Job>;
  aggregator?: Aggregator;
  hooks?: Partial<Hooks>;
}

/** Adds a command operation. */
export function addCommand(r: Registry, name: string, command: string, o: OpOptions = {}): void {
  r.addOperation({
    name,
    body: { kind: "command", template: new Template(command, `operation '${name}'`) },
    pre: o.pre ?? [],
    post: o.post ?? [],
    directives: o.directives ?? {},
    aggregator: o.aggregator ?? single,
    hooks: { ...emptyHooks(), ...o.hooks },
    inJobDir: true,
  });
}

/** Adds a function operation. */
export function addFunction(
  r: Registry,
  name: string,
  fn: OperationFunction,
  o: OpOptions = {},
): void {
  r.addOperation({
    name,
    body: { kind: "function", fn },
    pre: o.pre ?? [],
    post: o.post ?? [],
    directives: o.directives ?? {},
    aggregator: o.aggregator ?? single,
    hooks: { ...emptyHooks(), ...o.hooks },
    inJobDir: true,
  });
}
