// junit.xml: one testsuite per suite, one testcase per test: classname the suite, name
// the stable id then the title (which starts with the rule IDs).
import junitModule from "junit-report-builder";
import type { Builder, TestCase } from "junit-report-builder";
import { bySuite, type RunReport } from "./results.js";

// The typings declare an ES default export, but the package is CommonJS (`module.exports = builder`).
export const junit = junitModule as unknown as Builder;

export function junitXml(report: RunReport): string {
  const builder = junit.newBuilder().name("xmpp-conformance");
  for (const [suite, results] of bySuite(report.results)) {
    const ts = builder.testSuite().name(suite).timestamp(new Date(report.startedAt));
    for (const r of results) {
      const tc = ts.testCase().className(suite).name(`${r.id} ${r.title}`).time(r.durationMs / 1000);
      if (r.status === "failed") {
        tc.failure(r.failure?.message ?? "failed", r.failure?.rule ? "violation" : "error");
        if (r.transcript) tc.standardOutput(r.transcript);
      } else if (r.status === "skipped") {
        skippedWithMessage(tc, r.reason ?? "skipped");
      }
    }
  }
  return builder.build();
}

/** junit-report-builder writes a bare <skipped/>; CI tools show the reason from its message attribute. */
export function skippedWithMessage(tc: TestCase, message: string): void {
  tc.skipped();
  const build = tc.build.bind(tc);
  tc.build = (parent) => {
    const el = build(parent);
    for (const child of el.children) {
      if ("name" in child && child.name === "skipped") (child as typeof el).att("message", message);
    }
    return el;
  };
}
