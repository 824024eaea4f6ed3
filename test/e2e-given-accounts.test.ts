// Verdicts do not depend on how accounts were provided or on what ran before: against
// one `serve` with three given accounts, every suite runs twice in a row (the second
// time shuffled, several tests at once), and each run gives the same verdict per test
// as a run with fresh accounts from in-band registration, made alongside them against a second server.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { cli, freePort, serve, tempDir } from "./cli-process.js";

interface ResultRow {
  id: string;
  status: string;
}

const GIVEN = ["alice:pw", "bob:pw", "carol:pw"];

/** A `serve` with the three given accounts, a component and an S2S route to the harness's peer: the target options of a run against it. */
async function target(): Promise<{ child: ChildProcess; args: string[] }> {
  // The harness's S2S peer listens where the server routes peer.example, in each run.
  const peerPort = await freePort();
  const { child, port, line } = await serve(
    "--port", "0", ...GIVEN.flatMap((a) => ["--user", a]), "--component", "component.localhost:s3cret", "--upstream-timeout", "1",
    "--s2s-port", "0", "--s2s-route", `peer.example=127.0.0.1:${peerPort}`,
  );
  const componentPort = /component port (\d+)/.exec(line)?.[1];
  const s2sPort = /s2s port (\d+)/.exec(line)?.[1];
  const args = [
    "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--sm-queue-limit", "500", "--component", `component.localhost:s3cret@${componentPort}`,
    "--peer-domain", "peer.example", "--peer-listen", `127.0.0.1:${peerPort}`, "--target-s2s", `127.0.0.1:${s2sPort}`,
  ];
  return { child, args };
}

async function verdicts(name: string, args: string[]): Promise<Record<string, string>> {
  const dir = tempDir("xc-given-");
  const done = await cli("run", ...args, "--reports", dir);
  expect(done.code, `${name}: exit ${done.code}\n${done.stdout.slice(-4000)}\n${done.stderr}`).to.equal(0);
  const rows = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results as ResultRow[];
  return Object.fromEntries(rows.map((row) => [row.id, row.status]));
}

describe("given accounts, run after run", function () {
  this.timeout(300_000);

  it("two runs in a row with the same three accounts, the second shuffled, match a --register run with no failure", async () => {
    // The --register run goes to a second server set up alike, at the same time: a run's
    // component and S2S peer cannot be shared.
    const [served, fresh] = await Promise.all([target(), target()]);
    try {
      const given = [...served.args, ...GIVEN.flatMap((a) => ["--account", a]), "--jobs", "4"];
      const [[first, second], registered] = await Promise.all([
        (async () => [await verdicts("given, declared order", given), await verdicts("given again, random order", [...given, "--order", "random"])])(),
        verdicts("--register", [...fresh.args, "--register", "--jobs", "4"]),
      ]);
      expect(first, "first given-accounts run against the --register run").to.deep.equal(registered);
      expect(second, "second given-accounts run against the --register run").to.deep.equal(registered);
      expect(Object.values(registered).filter((v) => v !== "passed")).to.deep.equal([]);
    } finally {
      served.child.kill("SIGTERM");
      fresh.child.kill("SIGTERM");
    }
  });
});
