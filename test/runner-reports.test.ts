import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { junitXml } from "../src/runner/report-junit.js";
import { resultsJson } from "../src/runner/report-json.js";
import { summaryMarkdown } from "../src/runner/report-markdown.js";
import { progressLine, totalsLine } from "../src/runner/report-console.js";
import { writeReports } from "../src/runner/reports.js";
import { RunReport, TestResult, totalsOf } from "../src/runner/results.js";

const results: TestResult[] = [
  { id: "sm.ack.answers", suite: "Stream Management", title: "SM-10 SM-11: server answers <r/>", fullTitle: "Stream Management SM-10 SM-11: server answers <r/>", rules: ["SM-10", "SM-11"], status: "passed", durationMs: 12 },
  {
    id: "sm.ack.counts",
    suite: "Stream Management",
    title: "SM-20: h counts stanzas",
    fullTitle: "Stream Management SM-20: h counts stanzas",
    rules: ["SM-20"],
    status: "failed",
    durationMs: 40.4,
    failure: { message: "SM-20 violated: expected <a h='1'/>; received <a h='2'/>", rule: "SM-20", expected: "<a h='1'/>", received: "<a h='2'/>" },
    transcript: "12:00:00.000 c1 -> <r xmlns='urn:xmpp:sm:3'/>\n12:00:00.010 c1 <- <a h='2'/> ]]> end",
  },
  { id: "pam.list.all", suite: "PAM", title: "PAM-3: lists subscriptions | all", fullTitle: "PAM PAM-3: lists subscriptions | all", rules: ["PAM-3"], status: "skipped", reason: "needs 2 accounts, 1 provisioned", durationMs: 0 },
];

function report(rs: TestResult[]): RunReport {
  return {
    target: { host: "127.0.0.1", port: 5222, domain: "localhost", tls: "plain", embedded: true, faults: ["sm.ack-off-by-one"] },
    order: { mode: "random", seed: 42 },
    jobs: 4,
    capabilities: {
      preAuthFeatures: [{ name: "starttls", xmlns: "urn:ietf:params:xml:ns:xmpp-tls", xml: "<starttls/>" }],
      postAuthFeatures: [{ name: "sm", xmlns: "urn:xmpp:sm:3", xml: "<sm xmlns='urn:xmpp:sm:3'/>" }],
      domain: { jid: "localhost", identities: ["server/im"], features: ["urn:xmpp:ping"] },
      account: { jid: "alice@localhost", identities: ["account/registered"], features: [] },
      services: [],
    },
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1234,
    totals: totalsOf(rs),
    results: rs,
  };
}

/** Tag names in document order, after checking that every element closes in order (CDATA aside). */
function wellFormedTags(xml: string): string[] {
  const body = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "").replace(/<\?xml[^>]*\?>/, "");
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  for (const [, close, name, , selfClose] of body.matchAll(tag)) {
    if (close) expect(stack.pop(), `closing </${name}>`).to.equal(name);
    else {
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  expect(stack, "unclosed elements").to.deep.equal([]);
  expect(body.replace(tag, ""), "text outside any tag").to.not.match(/</);
  return names;
}

describe("runner reporters", () => {
  it("junit.xml has one testsuite per suite, testcases named by id and rule IDs, failure with transcript, skip with reason", () => {
    const xml = junitXml(report(results));
    const tags = wellFormedTags(xml);
    expect(tags.filter((t) => t === "testsuite").length).to.equal(2);
    expect(tags.filter((t) => t === "testcase").length).to.equal(3);
    expect(tags.filter((t) => t === "failure").length).to.equal(1);
    expect(tags.filter((t) => t === "skipped").length).to.equal(1);
    expect(xml).to.include('name="sm.ack.answers SM-10 SM-11: server answers &lt;r/>"');
    expect(xml).to.include('classname="Stream Management"');
    expect(xml).to.include("message=\"SM-20 violated: expected &lt;a h='1'/>; received &lt;a h='2'/>\"");
    expect(xml).to.match(/<skipped message="needs 2 accounts, 1 provisioned"\/>/);
    expect(xml).to.include("<system-out><![CDATA[12:00:00.000 c1 -> <r xmlns='urn:xmpp:sm:3'/>");
    expect(xml).to.match(/failures="1"/);
    expect(xml).to.match(/skipped="1"/);
  });

  it("junit.xml is well formed with no tests", () => {
    const xml = junitXml(report([]));
    expect(wellFormedTags(xml)).to.deep.equal(["testsuites"]);
    expect(xml).to.include('tests="0"');
  });

  it("results.json keeps its field names", () => {
    const doc = JSON.parse(resultsJson(report(results)));
    expect(Object.keys(doc)).to.deep.equal(["target", "capabilities", "startedAt", "durationMs", "order", "jobs", "totals", "results"]);
    expect(doc.order).to.deep.equal({ mode: "random", seed: 42 });
    expect(doc.totals).to.deep.equal({ passed: 1, failed: 1, skipped: 1 });
    expect(doc.results[0]).to.deep.equal({ id: "sm.ack.answers", suite: "Stream Management", test: "SM-10 SM-11: server answers <r/>", rules: ["SM-10", "SM-11"], status: "passed", reason: null, durationMs: 12 });
    expect(doc.results[1].failure.rule).to.equal("SM-20");
    expect([doc.results[2].status, doc.results[2].reason]).to.deep.equal(["skipped", "needs 2 accounts, 1 provisioned"]);
  });

  it("summary.md shows capabilities, totals, a table per suite, failures and skips", () => {
    const md = summaryMarkdown(report(results));
    expect(md).to.include("faults: sm.ack-off-by-one");
    expect(md).to.include("before authentication: `starttls (urn:ietf:params:xml:ns:xmpp-tls)`");
    expect(md).to.include("after authentication: `sm (urn:xmpp:sm:3)`");
    expect(md).to.include("- Domain `localhost`: identities `server/im`; features `urn:xmpp:ping`");
    expect(md).to.include("**1 passed, 1 failed, 1 skipped**");
    expect(md).to.include("## Stream Management");
    expect(md).to.include("| ✅ pass | sm.ack.answers | SM-10 SM-11 | server answers &lt;r/> | 12 |");
    expect(md).to.include("| ⏭ skip | pam.list.all | PAM-3 | lists subscriptions \\| all | 0 |");
    expect(md).to.include("Rule **SM-20** violated: ");
    expect(md).to.include("```\n<a h='2'/>\n```");
    expect(md).to.include("- pam.list.all PAM-3: lists subscriptions | all: needs 2 accounts, 1 provisioned");
  });

  it("console lines: verdict, title, ms, and the reason or failure on the same line", () => {
    expect(progressLine(results[0]!)).to.equal("PASS  sm.ack.answers SM-10 SM-11: server answers <r/> (12 ms)");
    expect(progressLine(results[1]!)).to.equal("FAIL  sm.ack.counts SM-20: h counts stanzas (40 ms): SM-20 violated: expected <a h='1'/>; received <a h='2'/>");
    expect(progressLine(results[2]!)).to.equal("SKIP  pam.list.all PAM-3: lists subscriptions | all (0 ms): needs 2 accounts, 1 provisioned");
    expect(totalsLine({ passed: 3, failed: 0, skipped: 2 })).to.equal("3 passed, 0 failed, 2 skipped");
  });

  it("writes the three files", () => {
    const dir = mkdtempSync(join(tmpdir(), "xc-reports-"));
    try {
      const files = writeReports(join(dir, "nested"), report(results));
      expect(files.map((f) => f.slice(dir.length + 1))).to.deep.equal(["nested/junit.xml", "nested/results.json", "nested/summary.md"]);
      expect(JSON.parse(readFileSync(files[1]!, "utf8")).results.length).to.equal(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
