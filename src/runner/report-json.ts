// results.json: the machine-readable record; tools read its field names, so they stay stable.
import type { RunReport } from "./results.js";

export function resultsJson(report: RunReport): string {
  const doc = {
    target: report.target,
    capabilities: report.capabilities,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    order: report.order,
    jobs: report.jobs,
    totals: report.totals,
    ...(report.expectations ? { expectations: report.expectations } : {}),
    results: report.results.map((r) => ({
      id: r.id,
      suite: r.suite,
      test: r.title,
      rules: r.rules,
      status: r.status,
      reason: r.reason ?? null,
      durationMs: r.durationMs,
      ...(r.failure ? { failure: r.failure } : {}),
    })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
