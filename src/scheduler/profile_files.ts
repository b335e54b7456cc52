/**
 * Cluster profiles from files: the user's `~/.config/flow/clusters.yaml`
 * read and parsed, and {@link loadProfiles}, which merges it with the
 * built-ins and flow.yaml's `clusters:` (see `clusters.ts` for the format).
 * Kept apart from `clusters.ts` because it loads the YAML parser, which a
 * command needs only when the user has such a file.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { parseYaml } from "../workspace/yaml.ts";
import { mergeProfiles, type ProfileSource, userProfileFile } from "./clusters.ts";
import type { ClusterProfile } from "./types.ts";

/** Where {@link loadProfiles} finds profiles besides the built-in ones. */
export interface LoadProfilesOptions {
  /** The user's file (default `$HOME/.config/flow/clusters.yaml`; a missing file is skipped). */
  userFile?: string;
  /** The `clusters:` value of flow.yaml, as parsed (undefined or null: none). */
  workflowClusters?: unknown;
  /** The name of flow.yaml in messages (default `flow.yaml`). */
  workflowSource?: string;
}

/**
 * The user's profile file, parsed; undefined when it does not exist.
 *
 * @throws {UsageError} naming the file when it cannot be read or is not valid YAML
 * @example
 * ```ts
 * import { readUserProfiles } from "./profile_files.ts";
 * console.log(readUserProfiles("/nonexistent/clusters.yaml")); // undefined
 * ```
 */
export function readUserProfiles(file: string): ProfileSource | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`${file}: cannot read: ${(e as Error).message}`);
  }
  return { value: parseYaml(text, file), source: file };
}

/**
 * Every known profile: the built-ins, then the user's file, then flow.yaml's
 * `clusters:` (merged as `mergeProfiles` in `clusters.ts` does).
 *
 * @throws {UsageError} naming the file: unreadable file, malformed YAML, unknown key (with a
 *   "did you mean"), a value of the wrong type, a new profile without `scheduler`.
 * @example
 * ```ts
 * import { loadProfiles } from "./profile_files.ts";
 * const profiles = loadProfiles({
 *   userFile: "/nonexistent/clusters.yaml",
 *   workflowClusters: { delta: { account: "abc" }, lab: { scheduler: "pbs" } },
 * });
 * console.log(profiles.find((p) => p.name === "delta")?.account); // "abc"
 * ```
 */
export function loadProfiles(options: LoadProfilesOptions = {}): ClusterProfile[] {
  const userFile = options.userFile ?? userProfileFile();
  return mergeProfiles({
    user: userFile === undefined ? undefined : readUserProfiles(userFile),
    workflowClusters: options.workflowClusters,
    workflowSource: options.workflowSource,
  });
}
