// Every suite against the embedded reference server passes, and the reports are readable.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { SaxesParser } from "saxes";
import { cli, tempDir } from "./cli-process.js";

interface ResultRow {
  suite: string;
  test: string;
  rules: string[];
  status: string;
  reason?: string;
}

describe("all suites against the reference server", function () {
  this.timeout(300_000);
  const dir = tempDir("xc-ref-");
  let results: ResultRow[] = [];

  before(async () => {
    const run = await cli("run", "--reports", dir);
    expect(run.code, `run exited ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr}`).to.equal(0);
    results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results;
  });

  it("passes every test, none skipped, with at least 35 SM tests", () => {
    const notPassed = results.filter((r) => r.status !== "passed");
    expect(notPassed).to.deep.equal([]);
    expect(results.filter((r) => r.suite === "sm").length).to.be.at.least(35);
  });

  it("names rule IDs at the start of every test name", () => {
    for (const r of results) {
      expect(r.rules.length, r.test).to.be.above(0);
      expect(r.test.startsWith(`${r.rules.join(" ")}: `), r.test).to.equal(true);
    }
  });

  it("writes well-formed JUnit XML with one testcase per test", () => {
    const xml = readFileSync(join(dir, "junit.xml"), "utf8");
    const parser = new SaxesParser();
    let testcases = 0;
    parser.on("opentag", (tag) => {
      if (tag.name === "testcase") testcases++;
    });
    parser.write(xml).close();
    expect(testcases).to.equal(results.length);
  });

  it("is read by a JUnit consumer (python3-junitparser)", function () {
    const probe = spawnSync("/usr/bin/python3", ["-c", "import junitparser"], { encoding: "utf8" });
    if (probe.status !== 0) {
      // .ci/run installs python3-junitparser: in CI its absence is a failure, not a skip.
      expect(!process.env.CI, "python3-junitparser is not installed").to.equal(true);
      this.skip();
    }
    const read = spawnSync(
      "/usr/bin/python3",
      ["-c", "import sys, junitparser\nx = junitparser.JUnitXml.fromfile(sys.argv[1])\nprint(sum(1 for s in x for c in s))", join(dir, "junit.xml")],
      { encoding: "utf8" },
    );
    expect(read.status, read.stderr).to.equal(0);
    expect(Number(read.stdout.trim())).to.equal(results.length);
  });
});
