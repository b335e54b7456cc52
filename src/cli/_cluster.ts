// Private helpers: which cluster a command works with.

import { UsageError } from "../errors.ts";
import { cachedFlowYamlValue, FLOW_YAML_CACHE_FILE } from "../config/parse_cache.ts";
import { checkFlowYamlText } from "../config/text.ts";
import {
  detectCluster,
  type Detected,
  mergeProfiles,
  ProfileError,
  userProfileFile,
} from "../scheduler/clusters.ts";
import type { ClusterProfile } from "../scheduler/types.ts";
import type { CliContext } from "./_context.ts";

/** flow.yaml's `clusters:` value, the file and its text (for positions in messages). */
export interface WorkflowClusters {
  /** The value (undefined: none). */
  value: unknown;
  /** The flow.yaml it came from. */
  source?: string;
  /** That file's text. */
  text?: string;
}

/** The `clusters:` value of the project's flow.yaml, if there is a project with one. */
export async function workflowClusters(
  ctx: CliContext,
): Promise<WorkflowClusters> {
  let root: string;
  try {
    root = (await ctx.openProject()).root;
  } catch (e) {
    // No project here: only the built-in and the user's profiles. A bad --project is an error.
    if (ctx.globals().project !== undefined) throw e;
    return { value: undefined };
  }
  const source = `${root}/flow.yaml`;
  let text: string;
  try {
    text = Deno.readTextFileSync(source);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { value: undefined };
    throw new UsageError(`${source}: cannot read: ${(e as Error).message}`);
  }
  checkFlowYamlText(text, source);
  // An unchanged flow.yaml that built before: from its parse cache, without the YAML parser.
  const cached = cachedFlowYamlValue(source, text, `${root}/${FLOW_YAML_CACHE_FILE}`, "clusters");
  if (cached) return { value: cached.value, source, text };
  const { parseYaml } = await import("../workspace/yaml.ts");
  const doc = parseYaml(text, source);
  const value = typeof doc === "object" && doc !== null && !Array.isArray(doc) && "clusters" in doc
    ? (doc as Record<string, unknown>).clusters
    : undefined;
  return { value, source, text };
}

/**
 * Every profile this command knows: the built-ins, the user's file (read,
 * with the YAML parser, only when it exists) and flow.yaml's `clusters:`.
 */
export async function knownProfiles(wf: WorkflowClusters): Promise<ClusterProfile[]> {
  const workflow = { workflowClusters: wf.value, workflowSource: wf.source };
  try {
    const file = userProfileFile();
    if (file !== undefined && mayExist(file)) {
      const { loadProfiles } = await import("../scheduler/profile_files.ts");
      return loadProfiles({ userFile: file, ...workflow });
    }
    return mergeProfiles(workflow);
  } catch (e) {
    // A problem of flow.yaml's clusters: at its line and column, as the rest of the file's.
    if (!(e instanceof ProfileError) || e.source !== wf.source || wf.text === undefined) throw e;
    const { locateValue } = await import("../config/locate.ts");
    const at = locateValue(wf.text, e.source, e.path, e.key);
    if (at === undefined) throw e;
    throw new UsageError(
      `${e.source}:${at.line}:${at.column}: ${e.path ? `${e.path}: ` : ""}${e.detail}`,
    );
  }
}

/** False only when `path` is known not to exist (any other error is the reader's to report). */
function mayExist(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

export function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/** The cluster profile to use: `--cluster`, FLOW_CLUSTER, detection (see scheduler/clusters.ts). */
export async function detectForProject(ctx: CliContext, name?: string): Promise<Detected> {
  const profiles = await knownProfiles(await workflowClusters(ctx));
  return detectCluster(profiles, { name, env: Deno.env.toObject(), hostname: hostname() });
}
