// summary.md: what the target offered, the totals, a table per suite, then failures and skips explained.
import type { Capabilities, DiscoInfo, FeatureSeen } from "./capabilities.js";
import { bySuite, type RunReport, type TestResult } from "./results.js";
import { totalsLine } from "./report-console.js";
import { expectationsHold, type ExpectationReport } from "./expectations.js";
import { rule, ruleSource } from "../rules/catalogue.js";

const VERDICT = { passed: "✅ pass", failed: "❌ fail", skipped: "⏭ skip" } as const;

export function summaryMarkdown(report: RunReport): string {
  const { target, capabilities: caps } = report;
  const out: string[] = ["# XMPP conformance summary", ""];
  const kind = target.embedded
    ? `embedded reference server, faults: ${target.faults.length > 0 ? target.faults.join(", ") : "none"}`
    : "external server";
  out.push(
    `- Target: \`${target.host}:${target.port}\`, domain \`${target.domain}\`, TLS ${target.tls} (${kind})`,
    `- Started ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s`,
    `- Stream features before authentication: ${features(caps.preAuthFeatures)}`,
    `- Stream features after authentication: ${features(caps.postAuthFeatures)}`,
    ...discoLines(caps),
    "",
    `**${totalsLine(report.totals)}**`,
  );
  if (report.expectations) out.push("", ...expectationsMarkdown(report.expectations));

  for (const [suite, results] of bySuite(report.results)) {
    out.push("", `## ${inline(suite)}`, "", "| Result | Id | Rules | Test | ms |", "|---|---|---|---|---:|");
    for (const r of results) {
      out.push(`| ${VERDICT[r.status]} | ${cell(r.id)} | ${cell(r.rules.join(" "))} | ${cell(plainTitle(r))} | ${Math.round(r.durationMs)} |`);
    }
    const failed = results.filter((r) => r.status === "failed");
    if (failed.length > 0) out.push("", "### Failures");
    for (const r of failed) out.push("", `#### ${inline(`${r.id} ${r.title}`)}`, "", ...failureLines(r));
    const skipped = results.filter((r) => r.status === "skipped");
    if (skipped.length > 0) out.push("", "### Skipped", "");
    for (const r of skipped) out.push(`- ${inline(`${r.id} ${r.title}`)}: ${inline(r.reason ?? "")}`);
  }
  return out.join("\n") + "\n";
}

/** The expectations section of a summary: met or not, and each mismatch and stale entry. */
export function expectationsMarkdown(e: ExpectationReport): string[] {
  const ok = expectationsHold(e);
  const out = [
    `## Expectations: ${ok ? "met" : "NOT met"}`,
    "",
    `Compared with \`${inline(e.file)}\` (${inline(e.server)}): ${e.matched} as expected, ${e.mismatches.length} not, ${e.stale.length} stale entries.`,
  ];
  if (e.mismatches.length > 0) out.push("", "| Test | Expected | Got | Detail |", "|---|---|---|---|");
  for (const m of e.mismatches) out.push(`| ${cell(`${m.id} ${m.title}`)} | ${m.expected} | ${m.actual} | ${cell(m.detail)} |`);
  for (const s of e.stale) out.push(`- stale entry (no such test): ${inline(`${s.suite}: ${s.id}`)}`);
  return out;
}

function failureLines(r: TestResult): string[] {
  const f = r.failure;
  if (!f?.rule) return [fenced(f?.message ?? "failed")];
  return [violatedLine(f.rule), "", "Expected:", "", fenced(f.expected ?? ""), "", "Received:", "", fenced(f.received ?? "")];
}

/** The rule and, when it is catalogued, what it says and where (harness labels are not). */
function violatedLine(id: string): string {
  const r = rule(id);
  if (!r) return `Rule **${inline(id)}** violated.`;
  return `Rule **${r.id}** violated: ${inline(r.statement)} ([${ruleSource(r)} ${inline(r.sectionTitle)}](${r.url}), ${r.level})`;
}

/** The title without its rule-ID prefix, which the table shows in its own column. */
function plainTitle(r: TestResult): string {
  const prefix = `${r.rules.join(" ")}: `;
  return r.rules.length > 0 && r.title.startsWith(prefix) ? r.title.slice(prefix.length) : r.title;
}

/** disco#info of the domain, the account and each listed service. */
function discoLines(caps: Capabilities): string[] {
  const entity = (what: string, d: DiscoInfo) => `- ${what} \`${d.jid}\`: identities ${list(d.identities)}; features ${list(d.features)}`;
  const component = caps.component && `- Component \`${caps.component.jid}\`: ${caps.component.connected ? "the harness attaches to it (XEP-0114)" : `cannot attach: ${inline(caps.component.error ?? "")}`}`;
  const peer = caps.peer && `- S2S peer \`${caps.peer.domain}\`: ${caps.peer.federates ? "the target federates with it (dialback, both ways)" : `no federation: ${inline(caps.peer.error ?? "")}`}`;
  return [entity("Domain", caps.domain), entity("Account", caps.account), ...caps.services.map((s) => entity("Service", s)), ...(component ? [component] : []), ...(peer ? [peer] : [])];
}

function features(seen: FeatureSeen[]): string {
  return list(seen.map((f) => (f.xmlns ? `${f.name} (${f.xmlns})` : f.name)));
}

function list(items: string[]): string {
  return items.length > 0 ? items.map((i) => `\`${i}\``).join(", ") : "none";
}

/** Titles and reasons quote XML: escaped, or renderers would take `<resume/>` for HTML and hide it. */
export function inline(text: string): string {
  return text.replace(/\s+/g, " ").replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

export function cell(text: string): string {
  return inline(text).replace(/\|/g, "\\|");
}

export function fenced(text: string): string {
  const fence = text.includes("```") ? "````" : "```";
  return `${fence}\n${text}\n${fence}`;
}
