// A script run compared with the target's expectations file (`script --expect`): scripts
// are listed there under `scenarios`, keyed by file name, beside the suites' tests, and a
// script not listed is expected to pass. An expected failure names the rule the server
// breaks, or none where it differs from the script as the rules allow.
import { readdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { compareExpectations, SCRIPTS_SUITE, type ExpectationReport, type ExpectationsFile } from "../runner/expectations.js";
import type { ScriptResult } from "./report.js";

/**
 * Compares the scripts that were played (not those the tag filters left out) with their
 * entries. An entry is stale when no .scs file of the played scripts' folders has its name.
 */
export function compareScripts(file: string, expectations: ExpectationsFile, played: ScriptResult[]): ExpectationReport {
  const results = played.map((r) => ({
    suite: SCRIPTS_SUITE,
    id: basename(r.file),
    title: r.title,
    status: r.status,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.failure ? { failure: { message: `line ${r.failure.line}, "${r.failure.action}": ${r.failure.message}` } } : {}),
  }));
  const folders = new Set(played.map((r) => dirname(r.file)));
  const known = new Set([...folders].flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".scs"))));
  return compareExpectations(file, expectations, results, new Map([[SCRIPTS_SUITE, known]]));
}
