// Acceptance: no report written by a run contains an account's password or a SASL
// payload from which it can be read. Failing runs (their JUnit entries carry transcripts
// with the logins) against the embedded server, which logs in with SCRAM, and against
// serve offering only PLAIN, whose <auth/> is the password in base64.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, serve, tempDir } from "./cli-process.js";

const PASSWORD = "Corr3ct-H0rse-Battery";
const USERS = ["alice", "bob"];

/** Every way the reports could spell a password: as is, and as the PLAIN payload of each account (any alignment). */
function forbidden(): string[] {
  const out = [PASSWORD, Buffer.from(PASSWORD).toString("base64").slice(0, 12)];
  for (const user of USERS) {
    const payload = Buffer.from(`\0${user}\0${PASSWORD}`);
    out.push(payload.toString("base64"));
    // The password's base64 inside the payload, at each of the three byte alignments.
    for (let skip = 0; skip < 3; skip++) out.push(payload.subarray(payload.length - PASSWORD.length - skip).toString("base64").slice(4, 20));
  }
  return out;
}

function checkReports(dir: string, mechanism: string): void {
  const files = ["junit.xml", "results.json", "summary.md"].map((f) => ({ f, text: readFileSync(join(dir, f), "utf8") }));
  for (const { f, text } of files) {
    for (const secret of forbidden()) expect(text.includes(secret), `${f} contains ${JSON.stringify(secret)}`).to.equal(false);
  }
  const junit = files[0]!.text;
  // The transcripts are there, with the logins in them, redacted.
  expect(junit).to.match(new RegExp(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="${mechanism}">\\[redacted \\d+ bytes\\]</auth>`));
  expect(junit).not.to.match(/<(auth|response|challenge|success)\b[^>]*(?<!\/)>(?!\[redacted)[^<]/);
}

describe("reports carry no password", function () {
  this.timeout(60_000);

  it("after a failing run against the embedded server (SCRAM)", async () => {
    const dir = tempDir("xc-secrets-");
    const run = await cli("run", "--fault", "sm.ack-off-by-one", "--grep", "SM-10", ...USERS.flatMap((u) => ["--account", `${u}:${PASSWORD}`]), "--reports", dir);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    checkReports(dir, "SCRAM-SHA-512");
  });

  it("after a failing run over STARTTLS (SCRAM with channel binding)", async () => {
    const dir = tempDir("xc-secrets-");
    const run = await cli("run", "--tls", "starttls", "--fault", "sm.ack-off-by-one", "--grep", "SM-10", ...USERS.flatMap((u) => ["--account", `${u}:${PASSWORD}`]), "--reports", dir);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    checkReports(dir, "SCRAM-SHA-512-PLUS");
  });

  it("after a failing run against serve offering only PLAIN", async () => {
    const { child, port } = await serve("--port", "0", "--sasl", "PLAIN", "--fault", "sm.ack-off-by-one", ...USERS.flatMap((u) => ["--user", `${u}:${PASSWORD}`]));
    try {
      const dir = tempDir("xc-secrets-");
      const accounts = USERS.flatMap((u) => ["--account", `${u}:${PASSWORD}`]);
      const run = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", ...accounts, "--grep", "SM-10", "--reports", dir);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      checkReports(dir, "PLAIN");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
