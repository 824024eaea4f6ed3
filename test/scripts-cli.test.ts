// `xmpp-conformance script` as a user runs it: the fixture scenarios green on the embedded
// server, reports, exit codes, tag filters, parse errors, faults caught, and a real target
// with given, registered and admin-made accounts, twice in a row.
import { expect } from "chai";
import { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, serve, tempDir } from "./cli-process.js";

const SCENARIOS = "fixtures/scenarios";

interface Results {
  totals: { passed: number; failed: number; skipped: number };
  results: Array<{ file: string; title: string; tags: string[]; status: string; reason: string | null; failure?: { line: number; action: string; message: string; expected?: string; received?: string } }>;
}

const results = (dir: string) => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;

/** A script in a temp dir: Romeo and Juliet on localhost, then `body`. */
function scriptFile(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `# ${name}\n## demo\n[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n[Client] Juliet\n\tjid: juliet@localhost\n\tpassword: pw\n-----\n${body}`);
  return path;
}

describe("script command", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = tempDir("xc-script-")));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("plays fixtures/scenarios green against the embedded server, one testcase per script", async () => {
    const { code, stdout, stderr } = await cli("script", SCENARIOS, "--reports", dir);
    expect(stderr).to.equal("");
    expect(code, stdout).to.equal(0);
    const r = results(dir);
    expect(r.totals.failed).to.equal(0);
    expect(r.totals.passed).to.equal(readdirSync(SCENARIOS).filter((f) => f.endsWith(".scs")).length);
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    expect(junit.match(/<testcase /g)?.length).to.equal(r.results.length);
    expect(junit).to.include('classname="fixtures/scenarios/pubsub-subscribe.scs" name="Pubsub subscribe [pubsub]"');
    expect(readFileSync(join(dir, "summary.md"), "utf8")).to.include(`**${r.totals.passed} passed, 0 failed, 0 skipped**`);
  });

  it("reports a failure with its line, what was expected, what came and every actor's transcript, and exits 1", async () => {
    const file = scriptFile(dir, "wrong.scs", "Romeo connects\nJuliet connects\nRomeo sends:\n\t<message to=\"${Juliet's full JID}\"><body>hi</body></message>\nJuliet receives:\n\t<message><body>bye</body></message>\n");
    const reports = join(dir, "reports");
    const { code, stdout } = await cli("script", file, "--reports", reports);
    expect(code).to.equal(1);
    expect(stdout).to.match(/FAIL {2}.*wrong\.scs: wrong\.scs \[demo\] .*: line 14, "Juliet receives:": the next stanza does not match/);
    expect(results(reports).results[0]!.failure).to.deep.include({ line: 14, action: "Juliet receives:", expected: "<message><body>bye</body></message>" });
    const junit = readFileSync(join(reports, "junit.xml"), "utf8");
    expect(junit).to.match(/<failure message="[^"]*wrong\.scs: line 14, &quot;Juliet receives:&quot;/);
    expect(junit).to.match(/expected:\n<message><body>bye<\/body><\/message>\n\nreceived:\n<message /);
    expect(junit).to.match(/<system-out>.* Romeo -> .* Juliet <- /s);
  });

  it("compares the scripts played with --expect: scripts listed under scenarios by file name, a listed failure needs no rule", async () => {
    const wrong = scriptFile(dir, "wrong.scs", "Romeo connects\nRomeo receives:\n\t<message/>\n");
    scriptFile(dir, "right.scs", "Romeo connects\n");
    const expectations = (scenarios: object) => {
      const path = join(dir, "expect.json");
      writeFileSync(path, JSON.stringify({ server: "Test server", tests: { scenarios } }));
      return path;
    };
    const listed = expectations({ "wrong.scs": { status: "failed", reason: "the server sends no message here" } });
    const met = await cli("script", dir, "--timeout", "300", "--expect", listed, "--reports", join(dir, "r1"));
    expect(met.code, met.stdout).to.equal(0);
    expect(met.stdout).to.include("expectations " + listed + " (Test server): 2 as expected, 0 not, 0 stale");
    expect(readFileSync(join(dir, "r1", "summary.md"), "utf8")).to.include("## Expectations: met");
    const stale = expectations({ "wrong.scs": { status: "failed", reason: "r" }, "gone.scs": { status: "skipped", reason: "r" } });
    const notMet = await cli("script", wrong, "--timeout", "300", "--expect", stale, "--reports", join(dir, "r2"));
    expect(notMet.code).to.equal(1);
    expect(notMet.stdout).to.include("STALE entry, no such test: scenarios: gone.scs");
    const unlisted = await cli("script", wrong, "--timeout", "300", "--expect", expectations({}), "--reports", join(dir, "r3"));
    expect(unlisted.code).to.equal(1);
    expect(unlisted.stdout).to.match(/UNEXPECTED failed \(expected passed\): wrong\.scs wrong\.scs: line 11, "Romeo receives:": no stanza came/);
  });

  it("filters by tags: --only-tags and --skip-tags leave scripts out as skipped, saying why", async () => {
    const only = await cli("script", SCENARIOS, "--only-tags", "roster", "--reports", dir);
    expect(only.code).to.equal(0);
    const r = results(dir);
    expect(r.results.filter((x) => x.status !== "skipped").map((x) => x.title).sort()).to.deep.equal(["Presence subscription", "Roster push"]);
    expect(r.results.find((x) => x.title === "Pubsub subscribe")!.reason).to.equal("has none of the tags --only-tags asks for (roster)");
    await cli("script", SCENARIOS, "--skip-tags", "pubsub,messages,slow", "--reports", dir);
    expect(results(dir).results.filter((x) => x.status === "skipped").map((x) => x.reason)).to.include("tagged 'pubsub', which --skip-tags leaves out");
    expect(results(dir).totals.skipped).to.equal(5);
  });

  it("stops at a parse error before anything runs: file and line on one line, exit 2", async () => {
    scriptFile(dir, "a-good.scs", "Romeo connects\n");
    scriptFile(dir, "b-bad.scs", "Romeo connects\nRomeo sends:\n\t<message><body>hi</bdy></message>\n");
    const { code, stdout, stderr } = await cli("script", dir, "--reports", join(dir, "reports"));
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr.trim().split("\n")).to.have.length(1);
    expect(stderr).to.match(new RegExp(`^xmpp-conformance: ${dir}/b-bad\\.scs:12: not well-formed XML`));
  });

  it("refuses a missing path, an empty directory and an unreachable target in one line, exit 2", async () => {
    for (const [args, pattern] of [
      [["script", join(dir, "nope.scs")], /nope\.scs: no such file or directory/],
      [["script", dir], /no \.scs scripts in this directory/],
      [["script", SCENARIOS, "--target", "127.0.0.1:1", "--domain", "localhost"], /127\.0\.0\.1:1.*refused/],
      [["script", SCENARIOS, "--target", "127.0.0.1:1", "--domain", "localhost", "--fault", "pubsub.pep-full-jid-from"], /--fault applies only to the embedded server/],
    ] as const) {
      const { code, stderr } = await cli(...args);
      expect(stderr.trim().split("\n"), stderr).to.have.length(1);
      expect(stderr).to.match(pattern);
      expect(code).to.equal(2);
    }
  });

  it("catches a server fault: PEP notifications from the publisher's full JID fail the PEP scenario", async () => {
    const { code } = await cli("script", `${SCENARIOS}/pep-publish-notify.scs`, "--fault", "pubsub.pep-full-jid-from", "--reports", dir);
    expect(code).to.equal(1);
    expect(results(dir).results[0]!.failure!.message).to.match(/@from: expected 'juliet@localhost', got 'juliet@localhost\//);
  });
});

describe("script command against a target", function () {
  this.timeout(60_000);
  let server: ChildProcess;
  let port: number;
  let component: string;
  let dir: string;
  before(async () => {
    let line: string;
    ({ child: server, port, line } = await serve("--port", "0", "--user", "alice:pa", "--user", "bob:pb", "--user", "carol:pc", "--admin", "carol", "--component", "component.localhost:csecret"));
    component = `component.localhost:csecret@${/component port (\d+)/.exec(line)![1]}`;
    dir = tempDir("xc-script-target-");
  });
  after(() => {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  // The slow script waits out a resumption window: once, on the embedded server, is enough.
  const play = (...accounts: string[]) =>
    cli("script", SCENARIOS, "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--component", component, "--skip-tags", "slow", ...accounts, "--reports", dir);

  it("plays the scenarios as given accounts, twice: each run leaves them as it found them", async () => {
    for (const run of ["first", "second"]) {
      const { code, stdout } = await play("--account", "alice:pa", "--account", "bob:pb");
      expect(code, `${run} run:\n${stdout}`).to.equal(0);
      expect(results(dir).results.filter((r) => r.status === "skipped").map((r) => r.reason)).to.deep.equal(["tagged 'slow', which --skip-tags leaves out"]);
    }
  });

  it("plays them as fresh accounts, registered in-band or made by an admin", async () => {
    for (const how of [["--register"], ["--admin", "carol:pc"]]) {
      const { code, stdout } = await play(...how);
      expect(code, `${how[0]}:\n${stdout}`).to.equal(0);
    }
  });

  it("skips a script that needs more accounts than given, saying so", async () => {
    const { code } = await play("--account", "alice:pa");
    expect(code).to.equal(0);
    expect(results(dir).results.find((r) => r.title === "Roster push")!.status).to.equal("passed");
    expect(results(dir).results.find((r) => r.title === "Pubsub subscribe")!.reason).to.equal("needs 2 accounts, 1 provisioned (give more --account or use --register)");
  });

  it("fails a script whose own accounts the target lacks, at the declaration, with what to do", async () => {
    const { code } = await cli("script", `${SCENARIOS}/roster-push.scs`, "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--reports", dir);
    expect(code).to.equal(1);
    expect(results(dir).results[0]!.failure!.message).to.match(/cannot log in as romeo@localhost: .*give --account, --register or --admin/);
  });
});
