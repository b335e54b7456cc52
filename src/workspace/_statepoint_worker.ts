// Private helper of project.ts: a Worker that reads and checks the state point files of a list of
// jobs, so that the first listing of a large workspace uses two cores.
//
// Request: { workspace, ids }. Reply: per id, [true, canonical state point text] or
// [false, the problem's message].

import { DataError } from "../errors.ts";
import { dumps } from "./json.ts";
import { readStatePointFile } from "./_statepoint_file.ts";

/** The worker's side of messaging (the global scope of a Worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ workspace: string; ids: string[] }>) => void) | null;
  postMessage(data: [boolean, string][]): void;
};

scope.onmessage = (e) => {
  const { workspace, ids } = e.data;
  scope.postMessage(ids.map((id): [boolean, string] => {
    try {
      return [true, dumps(readStatePointFile(workspace, id), { sortKeys: true })];
    } catch (err) {
      if (err instanceof DataError) return [false, err.message];
      return [false, `job ${id}: ${(err as Error).message}`];
    }
  }));
};
