// Benchmark: SM suite wall time with one test at a time and with four, logins per
// second and one loopback round trip, measured in the same run against the embedded
// reference server and printed as ratios, so that results compare across machines.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { startServer } from "../src/server/index.js";
import { TestClient } from "../src/harness/client.js";
import type { TargetProfile } from "../src/harness/target.js";

const LOGINS = 200;
const PINGS = 500;
const cli = fileURLToPath(new URL("../src/cli.js", import.meta.url));

async function main(): Promise<void> {
  const server = await startServer({ domain: "localhost", users: [{ username: "bench", password: "bench" }] });
  const target: TargetProfile = { host: server.host, port: server.port, domain: "localhost", tls: "plain", insecure: false };
  const account = { username: "bench", password: "bench" };
  try {
    const client = await TestClient.connect(target, account);
    await client.drainUntilBarrier(); // warm-up
    let t0 = performance.now();
    for (let i = 0; i < PINGS; i++) await client.drainUntilBarrier();
    const rttMs = (performance.now() - t0) / PINGS;
    await client.close();

    t0 = performance.now();
    for (let i = 0; i < LOGINS; i++) (await TestClient.connect(target, account)).kill();
    const loginMs = (performance.now() - t0) / LOGINS;

    const serialMs = suiteRun(1);
    const parallelMs = suiteRun(4);

    const rows: Array<[string, number, string]> = [
      ["loopback round trip (ping iq)", rttMs, "1"],
      ["login (connect, SASL SCRAM-SHA-1, bind)", loginMs, (loginMs / rttMs).toFixed(1)],
      ["SM suite, --jobs 1 (process start to exit)", serialMs, (serialMs / rttMs).toFixed(0)],
      ["SM suite, --jobs 4 (process start to exit)", parallelMs, (parallelMs / rttMs).toFixed(0)],
    ];
    console.log("measure                                          ms        ratio to round trip");
    for (const [name, ms, ratio] of rows) console.log(`${name.padEnd(48)} ${ms.toFixed(3).padStart(10)}  ${ratio}`);
    console.log(`logins per second: ${(1000 / loginMs).toFixed(0)}`);
    console.log(`SM suite, --jobs 1 / --jobs 4: ${(serialMs / parallelMs).toFixed(2)}`);
  } finally {
    await server.stop();
  }
}

/** Wall time of the SM suite in a process of its own, with `jobs` tests at once. */
function suiteRun(jobs: number): number {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [cli, "run", "--suite", "sm", "--jobs", String(jobs), "--reports", `reports/bench/jobs-${jobs}`], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`SM suite run with --jobs ${jobs} failed (exit ${run.status}):\n${run.stdout.slice(-2000)}`);
  return performance.now() - t0;
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
