import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareExpectations, expectationsHold, loadExpectations, type ExpectationsFile } from "../src/runner/expectations.js";
import type { TestResult } from "../src/runner/results.js";
import { tempDir } from "./cli-process.js";

const result = (id: string, status: TestResult["status"]): TestResult => ({
  id, suite: "sm", title: `SM-10: title of ${id}`, fullTitle: `sm ${id}`, rules: ["SM-10"], status, durationMs: 1,
  ...(status === "failed" ? { failure: { message: "SM-10 violated" } } : {}),
});

describe("expected results (--expect)", () => {
  const expectations: ExpectationsFile = {
    server: "example 1.0",
    tests: { sm: { "sm.a": { status: "failed", rule: "SM-10", reason: "h off by one" }, "sm.b": { status: "skipped", reason: "no sm:1" } } },
  };
  const known = new Map([["sm", new Set(["sm.a", "sm.b", "sm.c"])]]);

  it("holds when every listed outcome happens and everything else passes", () => {
    const r = compareExpectations("f", expectations, [result("sm.a", "failed"), result("sm.b", "skipped"), result("sm.c", "passed")], known);
    expect(r.matched).to.equal(3);
    expect(expectationsHold(r)).to.equal(true);
  });

  it("lists a new failure and a new pass", () => {
    const r = compareExpectations("f", expectations, [result("sm.a", "passed"), result("sm.c", "failed")], known);
    expect(r.mismatches.map((m) => [m.id, m.expected, m.actual])).to.deep.equal([["sm.a", "failed", "passed"], ["sm.c", "passed", "failed"]]);
    expect(expectationsHold(r)).to.equal(false);
  });

  it("takes a pass for an intermittent failure, but not a skip", () => {
    const flaky: ExpectationsFile = { server: "x", tests: { sm: { "sm.a": { status: "failed", rule: "SM-10", reason: "a race on the server's side", intermittent: true } } } };
    expect(expectationsHold(compareExpectations("f", flaky, [result("sm.a", "passed")], known))).to.equal(true);
    expect(expectationsHold(compareExpectations("f", flaky, [result("sm.a", "failed")], known))).to.equal(true);
    expect(expectationsHold(compareExpectations("f", flaky, [result("sm.a", "skipped")], known))).to.equal(false);
  });

  it("reports entries for tests that no longer exist, not tests merely filtered out", () => {
    const r = compareExpectations("f", { ...expectations, tests: { sm: { ...expectations.tests.sm, "sm.d": { status: "skipped", reason: "x" } }, other: { "other.e": { status: "skipped", reason: "x" } } } }, [], known);
    expect(r.stale).to.deep.equal([{ suite: "sm", id: "sm.d" }]);
  });

  it("keys on the test id, so a new title matches the same entry", () => {
    const renamed = { ...result("sm.a", "failed"), title: "SM-10: a new wording" };
    const r = compareExpectations("f", expectations, [renamed], known);
    expect(r.matched).to.equal(1);
    expect(expectationsHold(r)).to.equal(true);
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
    // A scenario script may fail where the server differs as the rules allow: no rule to name.
    expect(loadExpectations(write({ server: "x", tests: { scenarios: { "a.scs": { status: "failed", reason: "r" } } } })).tests.scenarios).to.have.property("a.scs");
    expect(() => loadExpectations(join(dir, "missing.json"))).to.throw(/cannot read it/);
  });
});
