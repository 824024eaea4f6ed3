// Writes the three report files CI and users read.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { junitXml } from "./report-junit.js";
import { resultsJson } from "./report-json.js";
import { summaryMarkdown } from "./report-markdown.js";
import type { RunReport } from "./results.js";

export function writeReports(dir: string, report: RunReport): string[] {
  return writeReportFiles(dir, { junit: junitXml(report), json: resultsJson(report), markdown: summaryMarkdown(report) });
}

/** junit.xml, results.json and summary.md in `dir` (made if missing), for a run of suites or of scripts; returns their paths. */
export function writeReportFiles(dir: string, texts: { junit: string; json: string; markdown: string }): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["junit.xml", texts.junit],
    ["results.json", texts.json],
    ["summary.md", texts.markdown],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
