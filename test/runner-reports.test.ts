import assert from "node:assert/strict";
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
  { suite: "Stream Management", title: "SM-10 SM-11: server answers <r/>", fullTitle: "Stream Management SM-10 SM-11: server answers <r/>", rules: ["SM-10", "SM-11"], status: "passed", durationMs: 12 },
  {
    suite: "Stream Management",
    title: "SM-20: h counts stanzas",
    fullTitle: "Stream Management SM-20: h counts stanzas",
    rules: ["SM-20"],
    status: "failed",
    durationMs: 40.4,
    failure: { message: "SM-20 violated: expected <a h='1'/>; received <a h='2'/>", rule: "SM-20", expected: "<a h='1'/>", received: "<a h='2'/>" },
    transcript: "12:00:00.000 c1 -> <r xmlns='urn:xmpp:sm:3'/>\n12:00:00.010 c1 <- <a h='2'/> ]]> end",
  },
  { suite: "PAM", title: "PAM-3: lists subscriptions | all", fullTitle: "PAM PAM-3: lists subscriptions | all", rules: ["PAM-3"], status: "skipped", reason: "needs 2 accounts, 1 provisioned", durationMs: 0 },
];

function report(rs: TestResult[]): RunReport {
  return {
    target: { host: "127.0.0.1", port: 5222, domain: "localhost", tls: "plain", embedded: true, faults: ["sm.ack-off-by-one"] },
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
    if (close) assert.equal(stack.pop(), name, `closing </${name}>`);
    else {
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  assert.deepEqual(stack, [], "unclosed elements");
  assert.doesNotMatch(body.replace(tag, ""), /</, "text outside any tag");
  return names;
}

describe("runner reporters", () => {
  it("junit.xml has one testsuite per suite, testcases named by rule IDs, failure with transcript, skip with reason", () => {
    const xml = junitXml(report(results));
    const tags = wellFormedTags(xml);
    assert.equal(tags.filter((t) => t === "testsuite").length, 2);
    assert.equal(tags.filter((t) => t === "testcase").length, 3);
    assert.equal(tags.filter((t) => t === "failure").length, 1);
    assert.equal(tags.filter((t) => t === "skipped").length, 1);
    assert.ok(xml.includes('name="SM-10 SM-11: server answers &lt;r/>"'));
    assert.ok(xml.includes('classname="Stream Management"'));
    assert.ok(xml.includes("message=\"SM-20 violated: expected &lt;a h='1'/>; received &lt;a h='2'/>\""));
    assert.match(xml, /<skipped message="needs 2 accounts, 1 provisioned"\/>/);
    assert.ok(xml.includes("<system-out><![CDATA[12:00:00.000 c1 -> <r xmlns='urn:xmpp:sm:3'/>"));
    assert.match(xml, /failures="1"/);
    assert.match(xml, /skipped="1"/);
  });

  it("junit.xml is well formed with no tests", () => {
    const xml = junitXml(report([]));
    assert.deepEqual(wellFormedTags(xml), ["testsuites"]);
    assert.ok(xml.includes('tests="0"'));
  });

  it("results.json keeps DESIGN's field names", () => {
    const doc = JSON.parse(resultsJson(report(results)));
    assert.deepEqual(Object.keys(doc), ["target", "capabilities", "startedAt", "durationMs", "totals", "results"]);
    assert.deepEqual(doc.totals, { passed: 1, failed: 1, skipped: 1 });
    assert.deepEqual(doc.results[0], { suite: "Stream Management", test: "SM-10 SM-11: server answers <r/>", rules: ["SM-10", "SM-11"], status: "passed", reason: null, durationMs: 12 });
    assert.equal(doc.results[1].failure.rule, "SM-20");
    assert.deepEqual([doc.results[2].status, doc.results[2].reason], ["skipped", "needs 2 accounts, 1 provisioned"]);
  });

  it("summary.md shows capabilities, totals, a table per suite, failures and skips", () => {
    const md = summaryMarkdown(report(results));
    assert.ok(md.includes("faults: sm.ack-off-by-one"));
    assert.ok(md.includes("before authentication: `starttls (urn:ietf:params:xml:ns:xmpp-tls)`"));
    assert.ok(md.includes("after authentication: `sm (urn:xmpp:sm:3)`"));
    assert.ok(md.includes("- Domain `localhost`: identities `server/im`; features `urn:xmpp:ping`"));
    assert.ok(md.includes("**1 passed, 1 failed, 1 skipped**"));
    assert.ok(md.includes("## Stream Management"));
    assert.ok(md.includes("| ✅ pass | SM-10 SM-11 | server answers &lt;r/> | 12 |"));
    assert.ok(md.includes("| ⏭ skip | PAM-3 | lists subscriptions \\| all | 0 |"));
    assert.ok(md.includes("Rule **SM-20** violated."));
    assert.ok(md.includes("```\n<a h='2'/>\n```"));
    assert.ok(md.includes("- PAM-3: lists subscriptions | all: needs 2 accounts, 1 provisioned"));
  });

  it("console lines: verdict, title, ms, and the reason or failure on the same line", () => {
    assert.equal(progressLine(results[0]!), "PASS  SM-10 SM-11: server answers <r/> (12 ms)");
    assert.equal(progressLine(results[1]!), "FAIL  SM-20: h counts stanzas (40 ms): SM-20 violated: expected <a h='1'/>; received <a h='2'/>");
    assert.equal(progressLine(results[2]!), "SKIP  PAM-3: lists subscriptions | all (0 ms): needs 2 accounts, 1 provisioned");
    assert.equal(totalsLine({ passed: 3, failed: 0, skipped: 2 }), "3 passed, 0 failed, 2 skipped");
  });

  it("writes the three files", () => {
    const dir = mkdtempSync(join(tmpdir(), "xc-reports-"));
    try {
      const files = writeReports(join(dir, "nested"), report(results));
      assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ["nested/junit.xml", "nested/results.json", "nested/summary.md"]);
      assert.equal(JSON.parse(readFileSync(files[1]!, "utf8")).results.length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
