// The fault matrix: each reference-server fault, switched on, makes at least one test of
// its suite fail, and every test that fails names a rule the fault is documented to break.
// A fault whose suite is not in this build yet (the pubsub suite is written apart from
// the server) must be switched on by a server test in test/ instead, which names it.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FAULTS } from "../src/server/faults.js";
import { cli, pool, tempDir } from "./cli-process.js";

const TEST_SOURCES = fileURLToPath(new URL("../../test/", import.meta.url));

interface ResultRow {
  test: string;
  rules: string[];
  status: string;
  failure?: { rule?: string };
}

const SUITE_OF = (fault: string) => fault.split(".")[0]!.replace(/\d+$/, "");

describe("fault matrix", function () {
  this.timeout(900_000);
  const outcomes = new Map<string, { code: number | null; failed: ResultRow[]; log: string }>();
  const suites = new Set<string>();

  before(async () => {
    const listed = await cli("list", "--json");
    for (const t of JSON.parse(listed.stdout) as Array<{ suite: string }>) suites.add(t.suite);
    // Runs mostly wait on the network and on short protocol timers: four at a time fit two cores.
    await pool(
      Object.keys(FAULTS).filter((fault) => suites.has(SUITE_OF(fault))).map((fault) => async () => {
        const dir = tempDir("xc-fault-");
        const run = await cli("run", "--suite", SUITE_OF(fault), "--fault", fault, "--timeout", "2000", "--reports", dir);
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
      if (!suites.has(SUITE_OF(fault))) {
        const named = readdirSync(TEST_SOURCES).filter((f) => f.endsWith(".test.ts") && readFileSync(join(TEST_SOURCES, f), "utf8").includes(`"${fault}"`));
        expect(named, `no suite ${SUITE_OF(fault)} in this build, and no server test in test/ switches ${fault} on`).to.not.deep.equal([]);
        return;
      }
      const o = outcomes.get(fault)!;
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
