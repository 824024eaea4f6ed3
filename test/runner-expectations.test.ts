import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareExpectations, expectationsHold, loadExpectations, type ExpectationsFile } from "../src/runner/expectations.js";
import type { TestResult } from "../src/runner/results.js";
import { tempDir } from "./cli-process.js";

const result = (title: string, status: TestResult["status"]): TestResult => ({
  suite: "sm", title, fullTitle: `sm ${title}`, rules: ["SM-10"], status, durationMs: 1,
  ...(status === "failed" ? { failure: { message: "SM-10 violated" } } : {}),
});

describe("expected results (--expect)", () => {
  const expectations: ExpectationsFile = {
    server: "example 1.0",
    tests: { sm: { "A: fails there": { status: "failed", rule: "SM-10", reason: "h off by one" }, "B: skipped there": { status: "skipped", reason: "no sm:1" } } },
  };
  const known = new Map([["sm", new Set(["A: fails there", "B: skipped there", "C: passes"])]]);

  it("holds when every listed outcome happens and everything else passes", () => {
    const r = compareExpectations("f", expectations, [result("A: fails there", "failed"), result("B: skipped there", "skipped"), result("C: passes", "passed")], known);
    expect(r.matched).to.equal(3);
    expect(expectationsHold(r)).to.equal(true);
  });

  it("lists a new failure and a new pass", () => {
    const r = compareExpectations("f", expectations, [result("A: fails there", "passed"), result("C: passes", "failed")], known);
    expect(r.mismatches.map((m) => [m.title, m.expected, m.actual])).to.deep.equal([["A: fails there", "failed", "passed"], ["C: passes", "passed", "failed"]]);
    expect(expectationsHold(r)).to.equal(false);
  });

  it("reports entries for tests that no longer exist, not tests merely filtered out", () => {
    const r = compareExpectations("f", { ...expectations, tests: { sm: { ...expectations.tests.sm, "D: gone": { status: "skipped", reason: "x" } }, other: { "E": { status: "skipped", reason: "x" } } } }, [], known);
    expect(r.stale).to.deep.equal([{ suite: "sm", title: "D: gone" }]);
  });

  it("refuses a file without reasons or with an unknown status, in one line", () => {
    const dir = tempDir("xc-exp-");
    const write = (doc: unknown) => {
      const path = join(dir, "e.json");
      writeFileSync(path, JSON.stringify(doc));
      return path;
    };
    expect(() => loadExpectations(write({ server: "x", tests: { sm: { t: { status: "failed", rule: "SM-1" } } } }))).to.throw(/a reason is required/);
    expect(() => loadExpectations(write({ server: "x", tests: { sm: { t: { status: "flaky", reason: "r" } } } }))).to.throw(/status must be/);
    expect(() => loadExpectations(write({ server: "x", tests: { sm: { t: { status: "failed", reason: "r" } } } }))).to.throw(/names its rule/);
    expect(() => loadExpectations(join(dir, "missing.json"))).to.throw(/cannot read it/);
  });
});
