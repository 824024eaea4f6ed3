#!/usr/bin/env node
// npm run interop -- --server prosody|ejabberd|libervia|all (repeatable): installs each server if missing, starts
// it on loopback with state in a temp dir, creates accounts, runs the suites (or plays the
// scenario scripts) against it once per run of its plan (src/interop/plan.ts) and stops
// what it started. Exit 0 when every run matched, 1 on a test mismatch, 2 on a setup
// error (one line on stderr).
import { SCRIPTS_SUITE } from "../runner/expectations.js";
import { OPT_IN_SUITES } from "../runner/suites.js";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { parseAccount, splitList } from "../cli/args.js";
import { errorLine } from "../cli/error-line.js";
import type { Account } from "../harness/target.js";
import { UsageError } from "../runner/errors.js";
import { ensureInstalled, installedVersion } from "./apt.js";
import { runHarness } from "./harness.js";
import { DEFAULT_ACCOUNTS, describeRun, PLATFORMS } from "./plan.js";
import type { Platform, RunningServer } from "./platform.js";
import { requireFree, waitForPorts } from "./ports.js";

const NAME = "xmpp-interop";
const PORTS_WITHIN_MS = 30_000;

interface Args {
  server: Array<"prosody" | "ejabberd" | "libervia" | "all">;
  account: string[];
  suite: string[];
  reports: string;
}

/**
 * What to stop if the launcher is interrupted: the running server and the harness child.
 * The run then unwinds through its own cleanup; a second signal exits at once.
 */
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;
const interruptible = new Set<() => unknown>();
let interrupted: keyof typeof EXIT_ON | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(EXIT_ON[signal]);
    interrupted = signal;
    console.error(`${NAME}: ${signal}: stopping what was started`);
    for (const stop of interruptible) void Promise.resolve(stop()).catch(() => {});
  });
}

/** Seconds since the previous lap, by step name, for the end-to-end timing line. */
function stopwatch() {
  const start = Date.now();
  let last = start;
  const laps: string[] = [];
  return {
    lap(step: string) {
      const now = Date.now();
      laps.push(`${step} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    },
    line: () => `${laps.join(", ")}; ${((Date.now() - start) / 1000).toFixed(1)} s in all`,
  };
}

/** One server end to end; resolves to the harness's exit code, throws on a setup error. */
async function runAgainst(platform: Platform, accounts: Account[], args: Args): Promise<number> {
  const reports = join(args.reports, platform.name);
  rmSync(reports, { recursive: true, force: true }); // no stale reports from an earlier run
  mkdirSync(reports, { recursive: true });
  const logFile = join(reports, "server.log");
  const time = stopwatch();

  await ensureInstalled(platform.package);
  const version = await installedVersion(platform.package);
  time.lap("install");
  const stateDir = mkdtempSync(join(tmpdir(), `xmpp-interop-${platform.name}-`));
  let server: RunningServer | undefined;
  try {
    // The harness's S2S peer will listen there; someone already on it would get the server's streams.
    if (platform.federation) await requireFree({ "S2S peer": platform.federation.peerPort });
    const started = (server = await platform.start(stateDir, logFile));
    interruptible.add(started.stop);
    const ports = Object.entries(started.ports).map(([name, port]) => `${name} ${port}`).join(", ");
    console.log(`${platform.name} ${version}: pid ${started.pids.join(", ")}; ports ${ports}; state ${stateDir}; log ${logFile}`);
    await waitForPorts(started.ports, started.exited, PORTS_WITHIN_MS, logFile);
    time.lap("start");
    await Promise.all([...accounts, started.adminAccount].map((account) => started.register(account)));
    time.lap("provision");
    // Every run against this one start of the server, in order; a setup error ends them all.
    let worst = 0;
    const outcomes: string[] = [];
    const asked = splitList(args.suite);
    for (const run of platform.runs) {
      if (interrupted) break;
      // A run with suites of its own runs those of them asked for; the others run what was
      // asked but the opt-in suites, which only a run that names them runs.
      // A scenarios run plays the scripts, asked for as the suite `scenarios`.
      if (run.scenarios && asked.length > 0 && !asked.includes(SCRIPTS_SUITE)) continue;
      const suites = run.suites ? run.suites.filter((s) => asked.length === 0 || asked.includes(s)) : asked.filter((s) => !OPT_IN_SUITES.includes(s) && s !== SCRIPTS_SUITE);
      if (!run.scenarios && (run.suites || asked.length > 0) && suites.length === 0) continue;
      console.log(`\n-- ${platform.name} run ${run.name}: ${describeRun(platform, run, accounts)}`);
      let harness: ChildProcess | undefined;
      const stopHarness = () => harness?.kill("SIGTERM");
      interruptible.add(stopHarness);
      try {
        const code = await runHarness({
          platform, run, server: started, accounts,
          reports: join(reports, run.name), suites, onStart: (c) => (harness = c),
        });
        outcomes.push(`${run.name} ${code === 0 ? "matched" : "MISMATCH"}`);
        worst = Math.max(worst, code);
      } finally {
        interruptible.delete(stopHarness);
        time.lap(`run ${run.name}`);
      }
    }
    if (outcomes.length > 0) console.log(`\n${platform.name}: ${outcomes.join(", ")} (reports in ${reports}/<run>/)`);
    return worst;
  } finally {
    if (server) {
      await server.stop();
      interruptible.delete(server.stop);
      time.lap("stop");
    }
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`${platform.name}: ${time.line()}`);
  }
}

async function main(args: Args): Promise<number> {
  let accounts: Account[];
  try {
    accounts = args.account.map((a) => parseAccount(a, "--account"));
  } catch (err) {
    console.error(`${NAME}: ${errorLine(err)}`);
    return 2;
  }
  const chosen = args.server.includes("all") ? PLATFORMS : PLATFORMS.filter((p) => (args.server as string[]).includes(p.name));
  let worst = 0;
  for (const platform of chosen) {
    if (interrupted) break;
    console.log(`\n== ${platform.name}`);
    const code = await runAgainst(platform, accounts, args).catch((err: unknown) => {
      console.error(`${NAME}: ${platform.name}: ${errorLine(err)}`);
      return 2;
    });
    worst = Math.max(worst, code);
  }
  return interrupted ? EXIT_ON[interrupted] : worst;
}

const argv = await yargs(hideBin(process.argv))
  .scriptName("npm run interop --")
  .strict()
  .option("server", {
    choices: ["prosody", "ejabberd", "libervia", "all"] as const, array: true, demandOption: true,
    describe: "server to install, start and test (repeatable; they run in the order prosody, ejabberd, libervia); all: the three",
  })
  .option("account", {
    type: "string", array: true, default: DEFAULT_ACCOUNTS.map((a) => `${a.username}:${a.password}`),
    describe: "account USER:PASSWORD to create besides admin, for the runs with given accounts (repeatable)",
  })
  .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite to run (repeatable or comma-separated; default: all); `scenarios` for the runs that play the scenario scripts" })
  .option("reports", { type: "string", default: "reports/interop", describe: "reports go to DIR/<server>/<run>/, the server's log to DIR/<server>/" })
  .fail((msg, err) => {
    process.stderr.write(`${NAME}: ${errorLine(err ?? new UsageError(msg))}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();

process.exit(await main(argv as Args));
