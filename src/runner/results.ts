// What a run produced: the shape every reporter reads.
import type { Capabilities } from "./capabilities.js";
import type { ExpectationReport } from "./expectations.js";
import type { TlsMode } from "../harness/target.js";
import type { Order } from "./order.js";

export type TestStatus = "passed" | "failed" | "skipped";

export interface TestFailure {
  message: string;
  rule?: string;
  expected?: string;
  received?: string;
}

export interface TestResult {
  /** The test's stable id (`sm.resume.after-drop`). */
  id: string;
  /** The top-level describe title of the test's file. */
  suite: string;
  /** The test title as declared, after its rule IDs. */
  title: string;
  fullTitle: string;
  rules: string[];
  status: TestStatus;
  /** Why the test was skipped. */
  reason?: string;
  durationMs: number;
  failure?: TestFailure;
  transcript?: string;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export interface TargetSummary {
  host: string;
  port: number;
  domain: string;
  tls: TlsMode;
  /** The embedded reference server, and the faults it ran with. */
  embedded: boolean;
  faults: string[];
}

export interface RunReport {
  target: TargetSummary;
  /** How tests were ordered (a shuffled run's seed repeats it) and how many ran at once. */
  order: Order;
  jobs: number;
  /** How the run compared with `--expect FILE`, when given. */
  expectations?: ExpectationReport;
  capabilities: Capabilities;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  results: TestResult[];
}

export function totalsOf(results: Array<{ status: TestStatus }>): Totals {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) totals[r.status]++;
  return totals;
}

/** Results grouped by suite, suites in the order they first ran. */
export function bySuite(results: TestResult[]): Map<string, TestResult[]> {
  const suites = new Map<string, TestResult[]>();
  for (const r of results) suites.set(r.suite, [...(suites.get(r.suite) ?? []), r]);
  return suites;
}
