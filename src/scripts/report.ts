// The reports of a `script` run, in the same three files as `run`: junit.xml (one
// testcase per script: classname its file, name its title and tags; a failure names
// the line, the action, what was expected and what came, with the transcript of every
// actor), results.json and summary.md.
import type { TlsMode } from "../harness/target.js";
import { junit, skippedWithMessage } from "../runner/report-junit.js";
import type { ExpectationReport } from "../runner/expectations.js";
import { cell, expectationsMarkdown, fenced, inline } from "../runner/report-markdown.js";
import { totalsLine } from "../runner/report-console.js";
import { writeReportFiles } from "../runner/reports.js";
import type { TestStatus, Totals } from "../runner/results.js";
import type { ScriptFailure } from "./play.js";

export interface ScriptResult {
  file: string;
  title: string;
  description: string[];
  tags: string[];
  status: TestStatus;
  /** Why the script was skipped. */
  reason?: string;
  durationMs: number;
  failure?: ScriptFailure;
  transcript?: string;
}

export type ScriptTarget =
  | { embedded: true; tls: TlsMode; faults: string[] }
  | { embedded: false; host: string; port: number; domain: string; tls: TlsMode };

export interface ScriptReport {
  target: ScriptTarget;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  results: ScriptResult[];
  /** The results compared with the target's expectations (`--expect`). */
  expectations?: ExpectationReport;
}

const VERDICT = { passed: "PASS", failed: "FAIL", skipped: "SKIP" } as const;

export function describeTarget(t: ScriptTarget): string {
  return t.embedded
    ? `embedded reference server, a fresh one per script serving the script's domain (tls ${t.tls}, faults: ${t.faults.join(", ") || "none"})`
    : `${t.host}:${t.port} (domain ${t.domain}, tls ${t.tls}; external server)`;
}

/** The testcase name and the summary's title: the title, then the tags. */
function named(r: ScriptResult): string {
  return r.tags.length > 0 ? `${r.title} [${r.tags.join(", ")}]` : r.title;
}

/** `line 12, "Juliet receives:": no stanza came` */
function failureHead(f: ScriptFailure): string {
  return `line ${f.line}, "${f.action}": ${f.message}`;
}

function failureDetails(f: ScriptFailure): string {
  return [f.expected !== undefined ? `expected:\n${f.expected}` : "", f.received !== undefined ? `received:\n${f.received}` : ""].filter(Boolean).join("\n\n");
}

export function progressLine(r: ScriptResult): string {
  const head = `${VERDICT[r.status]}  ${r.file}: ${named(r)} (${Math.round(r.durationMs)} ms)`;
  if (r.status === "skipped") return `${head}: ${r.reason ?? ""}`;
  if (r.status === "failed" && r.failure) return `${head}: ${failureHead(r.failure).replace(/\s+/g, " ")}`;
  return head;
}

function junitXml(report: ScriptReport): string {
  const builder = junit.newBuilder().name("xmpp-conformance scripts");
  const ts = builder.testSuite().name("scripts").timestamp(new Date(report.startedAt));
  for (const r of report.results) {
    const tc = ts.testCase().className(r.file).name(named(r)).file(r.file).time(r.durationMs / 1000);
    for (const tag of r.tags) tc.property("tag", tag);
    if (r.status === "failed") {
      tc.failure(r.failure ? `${r.file}: ${failureHead(r.failure)}` : "failed", "script");
      if (r.failure) tc.stacktrace(failureDetails(r.failure));
      if (r.transcript) tc.standardOutput(r.transcript);
    } else if (r.status === "skipped") {
      skippedWithMessage(tc, r.reason ?? "skipped");
    }
  }
  return builder.build();
}

function resultsJson(report: ScriptReport): string {
  const doc = {
    target: report.target,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    totals: report.totals,
    results: report.results.map((r) => ({
      file: r.file,
      title: r.title,
      description: r.description,
      tags: r.tags,
      status: r.status,
      reason: r.reason ?? null,
      durationMs: r.durationMs,
      ...(r.failure ? { failure: r.failure } : {}),
    })),
    ...(report.expectations ? { expectations: report.expectations } : {}),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

function summaryMarkdown(report: ScriptReport): string {
  const out = [
    "# XMPP conformance scripts",
    "",
    `- Target: ${inline(describeTarget(report.target))}`,
    `- Started ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s`,
    "",
    `**${totalsLine(report.totals)}**`,
    ...(report.expectations ? ["", ...expectationsMarkdown(report.expectations)] : []),
    "",
    "| Result | Script | Title | Tags | ms |",
    "|---|---|---|---|---:|",
  ];
  const mark = { passed: "✅ pass", failed: "❌ fail", skipped: "⏭ skip" } as const;
  for (const r of report.results) {
    out.push(`| ${mark[r.status]} | ${cell(r.file)} | ${cell(r.title)} | ${cell(r.tags.join(", "))} | ${Math.round(r.durationMs)} |`);
  }
  const failed = report.results.filter((r) => r.status === "failed" && r.failure);
  if (failed.length > 0) out.push("", "## Failures");
  for (const r of failed) {
    const f = r.failure!;
    out.push("", `### ${inline(`${r.file}: ${r.title}`)}`, "", `Line ${f.line}, \`${inline(f.action)}\`: ${inline(f.message)}`);
    if (f.expected !== undefined) out.push("", "Expected:", "", fenced(f.expected));
    if (f.received !== undefined) out.push("", "Received:", "", fenced(f.received));
  }
  const skipped = report.results.filter((r) => r.status === "skipped");
  if (skipped.length > 0) out.push("", "## Skipped", "");
  for (const r of skipped) out.push(`- ${inline(`${r.file}: ${r.title}`)}: ${inline(r.reason ?? "")}`);
  return out.join("\n") + "\n";
}

export function writeScriptReports(dir: string, report: ScriptReport): string[] {
  return writeReportFiles(dir, { junit: junitXml(report), json: resultsJson(report), markdown: summaryMarkdown(report) });
}
