// A failure shows what its rule says and where to read it, in each report a user reads:
// the console line, the JUnit failure message and summary.md.
import { expect } from "chai";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { rule } from "../src/rules/catalogue.js";
import { progressLine } from "../src/runner/report-console.js";
import { junitXml } from "../src/runner/report-junit.js";
import { summaryMarkdown } from "../src/runner/report-markdown.js";
import { RunReport, TestResult, totalsOf } from "../src/runner/results.js";
import { Violation } from "../src/verdict/verdict.js";
import { cli, tempDir } from "./cli-process.js";

const SM22 = rule("SM-22")!;
/** How XML attribute values carry the text (the JUnit message is one). */
const attr = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

/** A failed result as the collector builds it from a Violation. */
function failed(v: Violation): TestResult {
  return {
    id: "sm.a-test",
    suite: "sm",
    title: `${v.rule}: a test`,
    fullTitle: `sm ${v.rule}: a test`,
    rules: [v.rule],
    status: "failed",
    durationMs: 5,
    failure: { message: v.message, rule: v.rule, expected: v.expected, received: v.received },
  };
}

function report(results: TestResult[]): RunReport {
  return {
    target: { host: "127.0.0.1", port: 5222, domain: "localhost", tls: "plain", embedded: true, faults: [] },
    order: { mode: "declared" },
    jobs: 1,
    capabilities: {
      preAuthFeatures: [],
      postAuthFeatures: [],
      domain: { jid: "localhost", identities: [], features: [] },
      account: { jid: "alice@localhost", identities: [], features: [] },
      services: [],
    },
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 5,
    totals: totalsOf(results),
    results,
  };
}

describe("rules in failure reports", function () {
  this.timeout(60_000);

  it("a Violation's message ends with the rule's reference; a harness label adds nothing", () => {
    const v = new Violation("SM-22", "<conflict/> on the old stream", "nothing");
    expect(v.message).to.equal(
      `SM-22 violated: expected <conflict/> on the old stream; received nothing\nSM-22 (XEP-0198 1.6.3 §5, SHOULD): ${SM22.statement} ${SM22.url}`,
    );
    expect([v.rule, v.expected, v.received]).to.deep.equal(["SM-22", "<conflict/> on the old stream", "nothing"]);
    expect(new Violation("expectation", "<a/>", "nothing").message).to.equal("expectation violated: expected <a/>; received nothing");
  });

  it("the console line, the JUnit message and summary.md show the statement and the link", () => {
    const r = failed(new Violation("SM-22", "<conflict/>", "nothing"));
    const line = progressLine(r);
    expect(line).to.include(SM22.statement).and.include(SM22.url);
    expect(line.split("\n")).to.have.length(1);

    const xml = junitXml(report([r]));
    expect(xml).to.include(attr(SM22.statement)).and.include(SM22.url);

    const md = summaryMarkdown(report([r]));
    expect(md).to.include(`Rule **SM-22** violated: ${SM22.statement} ([XEP-0198 1.6.3 §5 Resumption](${SM22.url}), SHOULD)`);
  });

  it("summary.md names an uncatalogued label without a statement", () => {
    const md = summaryMarkdown(report([failed(new Violation("harness", "<a/>", "connection killed"))]));
    expect(md).to.include("Rule **harness** violated.");
  });

  it("a real failing run shows the rule on stdout, in junit.xml and in summary.md", async () => {
    const dir = tempDir("xc-rules-");
    try {
      const run = await cli("run", "--fault", "sm.no-conflict", "--suite", "sm", "--grep", "SM-22", "--timeout", "2000", "--reports", dir);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      const failLine = run.stdout.split("\n").find((l) => l.includes("FAIL"));
      expect(failLine, run.stdout).to.include(SM22.statement).and.include(SM22.url);
      expect(readFileSync(join(dir, "junit.xml"), "utf8")).to.include(attr(SM22.statement)).and.include(SM22.url);
      expect(readFileSync(join(dir, "summary.md"), "utf8")).to.include(`Rule **SM-22** violated: ${SM22.statement}`).and.include(SM22.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
