// Progress lines as tests finish, and the final totals line CI greps for.
import type { TestResult, Totals } from "./results.js";

const VERDICT = { passed: "PASS", failed: "FAIL", skipped: "SKIP" } as const;

/** One line, whatever the evidence holds: XML and multi-line messages are folded onto it. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function progressLine(r: TestResult): string {
  const head = `${VERDICT[r.status]}  ${r.id} ${r.title} (${Math.round(r.durationMs)} ms)`;
  if (r.status === "skipped") return `${head}: ${oneLine(r.reason ?? "")}`;
  if (r.status === "failed") return `${head}: ${oneLine(r.failure?.message ?? "")}`;
  return head;
}

/** Exactly `N passed, N failed, N skipped`. */
export function totalsLine(t: Totals): string {
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/** Prints a heading when the suite changes, then one line per test. */
export function progressPrinter(write: (line: string) => void): (r: TestResult) => void {
  let suite: string | undefined;
  return (r) => {
    if (r.suite !== suite) {
      suite = r.suite;
      write(`\n${suite}`);
    }
    write(`  ${progressLine(r)}`);
  };
}
