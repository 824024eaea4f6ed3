// Writes the three report files CI and users read.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { junitXml } from "./report-junit.js";
import { resultsJson } from "./report-json.js";
import { summaryMarkdown } from "./report-markdown.js";
import type { RunReport } from "./results.js";

export function writeReports(dir: string, report: RunReport): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["junit.xml", junitXml(report)],
    ["results.json", resultsJson(report)],
    ["summary.md", summaryMarkdown(report)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
