// Benchmark: SM suite wall time, logins per second and one loopback round trip,
// measured in the same run against the embedded reference server and printed as
// ratios to the round trip, so that results compare across machines.
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

    t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, "run", "--suite", "sm", "--reports", "reports/bench"], { encoding: "utf8" });
    const suiteMs = performance.now() - t0;
    if (run.status !== 0) throw new Error(`SM suite run failed (exit ${run.status}):\n${run.stdout.slice(-2000)}`);

    const rows: Array<[string, number, string]> = [
      ["loopback round trip (ping iq)", rttMs, "1"],
      ["login (connect, SASL SCRAM-SHA-1, bind)", loginMs, (loginMs / rttMs).toFixed(1)],
      ["SM suite, whole run (process start to exit)", suiteMs, (suiteMs / rttMs).toFixed(0)],
    ];
    console.log("measure                                          ms        ratio to round trip");
    for (const [name, ms, ratio] of rows) console.log(`${name.padEnd(48)} ${ms.toFixed(3).padStart(10)}  ${ratio}`);
    console.log(`logins per second: ${(1000 / loginMs).toFixed(0)}`);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
