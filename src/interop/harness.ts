// Runs the harness's own CLI against a started server, as a user would, in a child
// process: `run` for the suites, `script` for a run of the scenario scripts.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Account } from "../harness/target.js";
import { SetupError } from "./errors.js";
import { EXPECTATIONS_DIR, HARNESS_CLI, SCENARIOS_DIR } from "./paths.js";
import type { Federation, Platform, Provisioning, Run, RunningServer } from "./platform.js";
import { HOST } from "./ports.js";

export interface HarnessRun {
  platform: Platform;
  run: Run;
  server: RunningServer;
  /** The `--account` accounts the launcher created, for a given run. */
  accounts: readonly Account[];
  reports: string;
  suites: string[];
  /** Called with the child as soon as it runs, so that a signal can stop it. */
  onStart(child: ChildProcess): void;
}

const pair = (a: Account) => `${a.username}:${a.password}`;

/** The `run` options that say where the harness gets its test accounts. */
export function accountOptions(provisioning: Provisioning, admin: Account, accounts: readonly Account[]): string[] {
  switch (provisioning) {
    case "register":
      return ["--register"];
    case "admin":
      return ["--admin", pair(admin)];
    case "given":
      return accounts.flatMap((a) => ["--account", pair(a)]);
  }
}

/** The `run` options that put the harness's S2S peer where the server's config routes its domain, and aim it at the server's S2S port. */
export function peerOptions(federation: Federation | undefined, s2sPort: number | undefined): string[] {
  if (!federation || s2sPort === undefined) return [];
  return ["--peer-domain", federation.peerDomain, "--peer-listen", `${HOST}:${federation.peerPort}`, "--target-s2s", `${HOST}:${s2sPort}`];
}

/** Resolves to the harness's exit code: 0 when the run matched, 1 on a mismatch. Anything else is a SetupError. */
export async function runHarness(run: HarnessRun): Promise<number> {
  const { server, platform } = run;
  const expect = `${EXPECTATIONS_DIR}${platform.expectations}`;
  if (!existsSync(expect)) throw new SetupError(`no expectations file ${expect}`);
  const target = ["--target", `${HOST}:${server.ports.c2s}`, "--domain", server.domain, ...accountOptions(run.run.provisioning, server.adminAccount, run.accounts)];
  // The fixture's XEP-0114 component, with the secret made for this start.
  const component = ["--component", `${server.component.domain}:${server.component.secret}@${server.ports.component}`];
  const common = ["--timeout", "5000", "--max-wait", "10", "--reports", run.reports, "--expect", expect];
  const args = run.run.scenarios
    ? ["script", SCENARIOS_DIR, ...target, ...component, ...common]
    : [
        "run", ...target, ...common, "--sm-queue-limit", String(server.smQueueLimit), ...component,
        // Prosody's pubsub component lets only admins create nodes; the fixture's admin may.
        "--service-admin", pair(server.adminAccount),
        ...peerOptions(platform.federation, server.ports.s2s),
        ...run.suites.flatMap((s) => ["--suite", s]),
      ];
  console.log(`node ${HARNESS_CLI} ${args.join(" ")}`);
  const child = spawn(process.execPath, [HARNESS_CLI, ...args], { stdio: "inherit" });
  run.onStart(child);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c) => resolve(c));
  });
  if (code === 0 || code === 1) return code;
  throw new SetupError(`the harness run ${run.run.name} ended with ${code === null ? "a signal" : `exit code ${code}`}`);
}
