// Private helpers: which cluster a command works with.

import { UsageError } from "../errors.ts";
import type { Detected } from "../scheduler/clusters.ts";
import { checkFlowYamlText } from "../config/text.ts";
import type { CliContext } from "./_context.ts";

/** The `clusters:` value of the project's flow.yaml, if there is a project with one. */
export async function workflowClusters(
  ctx: CliContext,
): Promise<{ value: unknown; source?: string }> {
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
  // The YAML parser is loaded only by the commands that read cluster profiles.
  const { parseYaml } = await import("../workspace/yaml.ts");
  const doc = parseYaml(text, source);
  const value = typeof doc === "object" && doc !== null && !Array.isArray(doc) && "clusters" in doc
    ? (doc as Record<string, unknown>).clusters
    : undefined;
  return { value, source };
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
  const wf = await workflowClusters(ctx);
  const { detectCluster, loadProfiles } = await import("../scheduler/clusters.ts");
  const profiles = loadProfiles({ workflowClusters: wf.value, workflowSource: wf.source });
  return detectCluster(profiles, { name, env: Deno.env.toObject(), hostname: hostname() });
}
