// `--admin` provisioning (XEP-0133 Add User) against the reference server: `serve
// --admin` in one process and `run --target --admin` in another, as with ejabberd,
// and the embedded run with --admin.
import { expect } from "chai";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cli, serve, tempDir } from "./cli-process.js";

function totals(dir: string): { passed: number; failed: number; skipped: number } {
  return JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).totals;
}

describe("--admin provisioning against the reference server", function () {
  this.timeout(60_000);

  it("run --target --admin passes SM-10 against serve --admin, with registration off", async () => {
    // --no-register: the test accounts can only come from the admin's commands.
    const { child, port } = await serve("--port", "0", "--user", "admin:pw", "--admin", "admin", "--no-register", "--user", "alice:a");
    const dir = tempDir("xc-admin-");
    try {
      const run = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--admin", "admin:pw", "--suite", "sm", "--grep", "SM-10", "--sm-queue-limit", "500", "--reports", dir);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const t = totals(dir);
      expect(t.failed, run.stdout).to.equal(0);
      expect(t.skipped, run.stdout).to.equal(0);
      expect(t.passed, run.stdout).to.be.greaterThan(0);

      const refused = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--admin", "alice:a", "--suite", "sm", "--grep", "SM-10", "--reports", dir);
      expect(refused.code, refused.stdout + refused.stderr).to.equal(2);
      expect(refused.stderr).to.match(/^xmpp-conformance: alice@localhost cannot add users \(XEP-0133\): forbidden\n$/);
    } finally {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the embedded run with --admin provisions through the admin", async () => {
    const dir = tempDir("xc-admin-");
    try {
      const run = await cli("run", "--admin", "boss:pw", "--suite", "sm", "--grep", "SM-10", "--reports", dir);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(totals(dir).skipped, run.stdout).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serve --admin takes a user name that has an account or can register", async () => {
    const colon = await cli("serve", "--port", "0", "--admin", "admin:pw");
    expect(colon.code).to.equal(2);
    expect(colon.stderr).to.match(/^xmpp-conformance: --admin admin:pw: expected a USER name; give its password with --user USER:PASSWORD\n$/);
    const missing = await cli("serve", "--port", "0", "--no-register", "--admin", "admin");
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/--admin admin: no such account; create it with --user admin:PASSWORD/);
  });
});
