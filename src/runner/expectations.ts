// Expected results of a known server: each test whose outcome there is not a pass, with
// the outcome and why. `run --expect FILE` passes only when the run matches the file
// exactly, so a new failure and a new pass (a fixed bug, a harness change) both show.
import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";
import type { TestResult, TestStatus } from "./results.js";

export interface Expectation {
  status: "failed" | "skipped";
  /** For a failure: the rule the server breaks (a script's failure may have none: the server differs where the rules allow it). */
  rule?: string;
  /** The evidence (for a deviation) or the missing feature (for a skip). */
  reason: string;
  /**
   * A failure the server shows only some of the time (a race on its side, seen in its
   * transcripts): a pass then matches too, so CI does not flap; a skip never does.
   */
  intermittent?: boolean;
}

export interface ExpectationsFile {
  server: string;
  /** suite name → test id → expectation; the scenario scripts under SCRIPTS_SUITE, by file name. */
  tests: Record<string, Record<string, Expectation>>;
}

/** Where an expectations file lists the scenario scripts (`script --expect`). */
export const SCRIPTS_SUITE = "scenarios";

export interface Mismatch {
  suite: string;
  id: string;
  title: string;
  expected: TestStatus;
  actual: TestStatus;
  /** The expected outcome's reason, or what happened instead. */
  detail: string;
}

export interface ExpectationReport {
  file: string;
  server: string;
  matched: number;
  mismatches: Mismatch[];
  /** Entries naming a test id that the loaded suites do not declare. */
  stale: Array<{ suite: string; id: string }>;
}

export function loadExpectations(path: string): ExpectationsFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`--expect ${path}: ${e.code ? `cannot read it (${e.code})` : `not JSON (${e.message})`}`);
  }
  const bad = (what: string) => new UsageError(`--expect ${path}: ${what}`);
  const file = doc as Partial<ExpectationsFile>;
  if (typeof file?.server !== "string" || typeof file.tests !== "object" || file.tests === null) {
    throw bad('expected {"server": "...", "tests": {"<suite>": {"<test id>": {...}}}}');
  }
  for (const [suite, tests] of Object.entries(file.tests)) {
    for (const [id, e] of Object.entries(tests)) {
      if (e?.status !== "failed" && e?.status !== "skipped") throw bad(`${suite} ${id}: status must be "failed" or "skipped"`);
      if (typeof e.reason !== "string" || e.reason.trim() === "") throw bad(`${suite} ${id}: a reason is required`);
      if (e.status === "failed" && typeof e.rule !== "string" && suite !== SCRIPTS_SUITE) throw bad(`${suite} ${id}: an expected failure names its rule`);
      if (e.intermittent !== undefined && (e.intermittent !== true || e.status !== "failed")) throw bad(`${suite} ${id}: "intermittent": true goes only with an expected failure`);
    }
  }
  return file as ExpectationsFile;
}

/**
 * Compares results with expectations: a test not listed is expected to pass.
 * `knownIds` (suite → every test id declared there) finds stale entries; suites that
 * were not loaded in this run are not judged. Entries are keyed by test id, so a
 * test's title can change without touching the file.
 */
export function compareExpectations(
  file: string,
  expectations: ExpectationsFile,
  results: Array<Pick<TestResult, "suite" | "id" | "title" | "status" | "reason" | "failure">>,
  knownIds: Map<string, Set<string>>,
): ExpectationReport {
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const r of results) {
    const e = expectations.tests[r.suite]?.[r.id];
    const expected: TestStatus = e?.status ?? "passed";
    if (expected === r.status || (e?.intermittent && r.status === "passed")) {
      matched++;
      continue;
    }
    const detail = r.status === "failed" ? r.failure?.message ?? "failed" : r.status === "skipped" ? `skipped: ${r.reason ?? ""}` : "passed";
    mismatches.push({ suite: r.suite, id: r.id, title: r.title, expected, actual: r.status, detail: e ? `${detail} (expected because: ${e.reason})` : detail });
  }
  const stale = Object.entries(expectations.tests).flatMap(([suite, tests]) =>
    knownIds.has(suite) ? Object.keys(tests).filter((id) => !knownIds.get(suite)!.has(id)).map((id) => ({ suite, id })) : [],
  );
  return { file, server: expectations.server, matched, mismatches, stale };
}

export function expectationsHold(report: ExpectationReport): boolean {
  return report.mismatches.length === 0 && report.stale.length === 0;
}

/** The comparison as printed after a run: a totals line, then every mismatch and stale entry. */
export function expectationLines(e: ExpectationReport): string[] {
  return [
    `expectations ${e.file} (${e.server}): ${e.matched} as expected, ${e.mismatches.length} not, ${e.stale.length} stale`,
    ...e.mismatches.map((m) => `  UNEXPECTED ${m.actual} (expected ${m.expected}): ${m.id} ${m.title}: ${m.detail}`),
    ...e.stale.map((s) => `  STALE entry, no such test: ${s.suite}: ${s.id}`),
  ];
}
