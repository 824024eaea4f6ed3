// What `npm run interop` runs: the platforms in order, the accounts it creates on each,
// and a description of every run's provisioning for the launcher's output and the docs.
import type { Account } from "../harness/target.js";
import { ejabberd } from "./ejabberd.js";
import { libervia } from "./libervia.js";
import type { Platform, Run } from "./platform.js";
import { prosody } from "./prosody.js";

/** `--server all` runs them in this order. */
export const PLATFORMS: readonly Platform[] = [prosody, ejabberd, libervia];

/** The `--account` default: created on every server at start, used by the given runs. */
export const DEFAULT_ACCOUNTS: readonly Account[] = ["alice", "bob", "carol"].map((name) => ({ username: name, password: `${name}-pw` }));

/** "alice, bob and carol" */
export function names(accounts: readonly Account[]): string {
  const all = accounts.map((a) => a.username);
  return all.length <= 1 ? all.join("") : `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}

/**
 * Where the run's test accounts come from, in words. A given run that follows another
 * given run says so: it reuses the same accounts on the same running server.
 */
export function describeRun(platform: Platform, run: Run, accounts: readonly Account[]): string {
  switch (run.provisioning) {
    case "register":
      return "fresh accounts for each test, by in-band registration (XEP-0077, `--register`)";
    case "admin":
      return "fresh accounts for each test, created by the admin with XEP-0133 ad-hoc commands (`--admin`)";
    case "given": {
      const which = `${names(accounts)} (\`--account\`)`;
      const previous = platform.runs.slice(0, platform.runs.indexOf(run)).filter((r) => r.provisioning === "given").at(-1);
      if (!previous) return `${which}, created with \`${platform.accountCommand}\` when the server started`;
      return `${which} again, after run \`${previous.name}\` on the same running server`;
    }
  }
}
