// The fault matrix: each reference-server fault, switched on, makes at least one test
// fail, and every test that fails names a rule the fault is documented to break. Each
// fault runs only the tests that declare one of its rules.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ListedTest } from "../src/runner/list.js";
import { FAULTS } from "../src/server/faults.js";
import { cli, pool, tempDir } from "./cli-process.js";

interface ResultRow {
  test: string;
  rules: string[];
  status: string;
  failure?: { rule?: string };
}

/**
 * The clients suite drives real client libraries, seconds per test: where a protocol
 * suite also checks a fault's rules it is left out here (test/e2e-real-client.test.ts
 * proves a fault against it on its own).
 */
const HEAVY = "clients";

/** The suites with a test that declares one of `rules`: the only ones a fault of those rules can fail. */
function suitesFor(rules: readonly string[], tests: ListedTest[]): string[] {
  const suites = [...new Set(tests.filter((t) => t.rules.some((r) => rules.includes(r))).map((t) => t.suite))];
  return suites.length > 1 ? suites.filter((s) => s !== HEAVY) : suites;
}

describe("fault matrix", function () {
  this.timeout(900_000);
  const outcomes = new Map<string, { code: number | null; failed: ResultRow[]; log: string }>();

  before(async () => {
    const listed = await cli("list", "--json");
    const tests = JSON.parse(listed.stdout) as ListedTest[];
    // Runs mostly wait on the network and on short protocol timers: four at a time fit two cores.
    await pool(
      Object.entries(FAULTS).filter(([, { rules }]) => suitesFor(rules, tests).length > 0).map(([fault, { rules }]) => async () => {
        const dir = tempDir("xc-fault-");
        // Only the tests that declare one of the fault's rules: a fault is caught where its rule is checked.
        const grep = `\\b(${rules.join("|")})\\b`;
        const run = await cli("run", ...suitesFor(rules, tests).flatMap((s) => ["--suite", s]), "--grep", grep, "--fault", fault, "--timeout", "2000", "--reports", dir);
        let failed: ResultRow[] = [];
        try {
          failed = (JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results as ResultRow[]).filter((r) => r.status === "failed");
        } catch {
          // no report: the exit code assertion below explains
        }
        outcomes.set(fault, { code: run.code, failed, log: `${run.stdout.slice(-3000)}\n${run.stderr}` });
      }),
      4,
    );
  });

  for (const [fault, { rules }] of Object.entries(FAULTS)) {
    it(`${fault} is detected by a test of ${rules.join(", ")}`, () => {
      const o = outcomes.get(fault);
      if (!o) expect.fail(`no test of any suite declares ${rules.join(", ")}: nothing can detect ${fault}`);
      expect(o.code, `expected exit 1 with --fault ${fault}\n${o.log}`).to.equal(1);
      expect(o.failed.length, `no test failed with --fault ${fault}`).to.be.above(0);
      // A failure names its rule in the test title or, for a rule checked in passing, in its verdict.
      for (const f of o.failed) {
        const named = [...f.rules, ...(f.failure?.rule ? [f.failure.rule] : [])];
        expect(named.some((r) => rules.includes(r)), `"${f.test}" failed (${f.failure?.rule ?? "no rule"}) with --fault ${fault}, which breaks only ${rules.join(", ")}`).to.equal(true);
      }
    });
  }
});
