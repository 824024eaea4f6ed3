// Every suite against the embedded reference server passes, and the reports are readable.
import assert from "node:assert/strict";
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
    assert.equal(run.code, 0, `run exited ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr}`);
    results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results;
  });

  it("passes every test, none skipped, with at least 35 SM tests", () => {
    const notPassed = results.filter((r) => r.status !== "passed");
    assert.deepEqual(notPassed, []);
    assert.ok(results.filter((r) => r.suite === "sm").length >= 35);
  });

  it("names rule IDs at the start of every test name", () => {
    for (const r of results) {
      assert.ok(r.rules.length > 0, r.test);
      assert.ok(r.test.startsWith(`${r.rules.join(" ")}: `), r.test);
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
    assert.equal(testcases, results.length);
  });

  it("is read by a JUnit consumer (python3-junitparser)", function () {
    const probe = spawnSync("/usr/bin/python3", ["-c", "import junitparser"], { encoding: "utf8" });
    if (probe.status !== 0) {
      // .ci/run installs python3-junitparser: in CI its absence is a failure, not a skip.
      assert.ok(!process.env.CI, "python3-junitparser is not installed");
      this.skip();
    }
    const read = spawnSync(
      "/usr/bin/python3",
      ["-c", "import sys, junitparser\nx = junitparser.JUnitXml.fromfile(sys.argv[1])\nprint(sum(1 for s in x for c in s))", join(dir, "junit.xml")],
      { encoding: "utf8" },
    );
    assert.equal(read.status, 0, read.stderr);
    assert.equal(Number(read.stdout.trim()), results.length);
  });
});
