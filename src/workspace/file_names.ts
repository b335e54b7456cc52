/**
 * The names signac gives the files of a job, in a module of their own so
 * that code that starts before anything else loads (src/cli/early.ts) can
 * name them without loading the workspace.
 *
 * @example
 * ```ts
 * import { JOB_DOCUMENT_FILE, STATEPOINT_FILE } from "./file_names.ts";
 * console.log(STATEPOINT_FILE, JOB_DOCUMENT_FILE);
 * // signac_statepoint.json signac_job_document.json
 * ```
 *
 * @module
 */

/** File name of a job's state point, as in signac. */
export const STATEPOINT_FILE = "signac_statepoint.json";
/** File name of a job's document, as in signac. */
export const JOB_DOCUMENT_FILE = "signac_job_document.json";
