// Verdicts do not depend on how accounts were provided or on what ran before: against
// one `serve` with three given accounts, every suite runs twice in a row (the second
// time shuffled, several tests at once), and each run gives the same verdict per test
// as a run with fresh accounts from in-band registration.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, freePort, serve, tempDir } from "./cli-process.js";

interface ResultRow {
  id: string;
  status: string;
}

const GIVEN = ["alice:pw", "bob:pw", "carol:pw"];

describe("given accounts, run after run", function () {
  this.timeout(300_000);

  it("two runs in a row with the same three accounts, the second shuffled, match a --register run with no failure", async () => {
    // The harness's S2S peer listens where the server routes peer.example, in each run.
    const peerPort = await freePort();
    const { child, port, line } = await serve(
      "--port", "0", ...GIVEN.flatMap((a) => ["--user", a]), "--component", "component.localhost:s3cret", "--upstream-timeout", "1",
      "--s2s-port", "0", "--s2s-route", `peer.example=127.0.0.1:${peerPort}`,
    );
    try {
      const componentPort = /component port (\d+)/.exec(line)?.[1];
      const s2sPort = /s2s port (\d+)/.exec(line)?.[1];
      const target = [
        "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--sm-queue-limit", "500", "--component", `component.localhost:s3cret@${componentPort}`,
        "--peer-domain", "peer.example", "--peer-listen", `127.0.0.1:${peerPort}`, "--target-s2s", `127.0.0.1:${s2sPort}`,
      ];
      const given = GIVEN.flatMap((a) => ["--account", a]);
      const runs: Array<{ name: string; args: string[] }> = [
        { name: "given, declared order", args: [...given] },
        { name: "given again, random order, 4 jobs", args: [...given, "--order", "random", "--jobs", "4"] },
        { name: "--register", args: ["--register", "--jobs", "4"] },
      ];
      const verdicts: Array<Record<string, string>> = [];
      for (const r of runs) {
        const dir = tempDir("xc-given-");
        const run = await cli("run", ...target, ...r.args, "--reports", dir);
        expect(run.code, `${r.name}: exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr}`).to.equal(0);
        const rows = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results as ResultRow[];
        verdicts.push(Object.fromEntries(rows.map((row) => [row.id, row.status])));
      }
      expect(verdicts[0], "first given-accounts run against the --register run").to.deep.equal(verdicts[2]);
      expect(verdicts[1], "second given-accounts run against the --register run").to.deep.equal(verdicts[2]);
      expect(Object.values(verdicts[2]!).filter((s) => s !== "passed")).to.deep.equal([]);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
