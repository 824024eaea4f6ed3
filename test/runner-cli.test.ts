import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./cli-process.js";

/** Exit 2 with exactly one `xmpp-conformance: …` line on stderr, and it matches `pattern`. */
async function expectUsageError(args: string[], pattern: RegExp): Promise<void> {
  const { code, stderr } = await cli(...args);
  expect(stderr.split("\n").filter(Boolean).length, stderr).to.equal(1);
  expect(stderr).to.match(/^xmpp-conformance: /);
  expect(stderr).to.match(pattern);
  expect(code).to.equal(2);
}

describe("runner CLI errors", function () {
  this.timeout(20_000);

  it("unknown suite", () => expectUsageError(["run", "--suite", "nosuch"], /unknown suite "nosuch" \(known suites: /));
  it("unknown suite in list", () => expectUsageError(["list", "--suite", "nosuch"], /unknown suite "nosuch"/));
  it("account without a colon", () => expectUsageError(["run", "--account", "nocolon"], /--account nocolon: expected USER:PASSWORD/));
  it("service admin without a colon", () => expectUsageError(["run", "--service-admin", "nocolon"], /--service-admin nocolon: expected USER:PASSWORD/));
  it("--target without --domain", () => expectUsageError(["run", "--target", "127.0.0.1", "--account", "a:b"], /--domain is required with --target/));
  it("--fault with --target", () =>
    expectUsageError(["run", "--target", "127.0.0.1", "--domain", "x", "--account", "a:b", "--fault", "sm.ack-off-by-one"], /--fault applies only/));
  it("unknown fault", () => expectUsageError(["run", "--fault", "no.such-fault"], /unknown fault "no.such-fault" \(known faults: /));
  it("unreadable --ca", () =>
    expectUsageError(["run", "--target", "127.0.0.1", "--domain", "x", "--account", "a:b", "--ca", "/nonexistent.pem"], /--ca \/nonexistent.pem: cannot read it/));
  it("bad choice, folded onto one line", () => expectUsageError(["run", "--tls", "bogus"], /Invalid values: .*bogus/));
  it("unknown option", () => expectUsageError(["run", "--bogus"], /Unknown argument/));
  it("no command", () => expectUsageError([], /give a command/));
  it("unknown SASL mechanism for serve", () =>
    expectUsageError(["serve", "--port", "0", "--sasl", "SCRAM-SHA-1,CRAM-MD5"], /--sasl: unknown mechanism "CRAM-MD5" \(known: SCRAM-SHA-512-PLUS, .*, PLAIN\)$/m));
  it("empty SASL list for serve", () => expectUsageError(["serve", "--port", "0", "--sasl", ","], /--sasl: give at least one mechanism/));
  it("peer options without --target", () => expectUsageError(["run", "--peer-domain", "peer.example"], /--peer-domain, --peer-listen and --target-s2s apply only to a --target/));
  it("--peer-domain without --peer-listen", () =>
    expectUsageError(["run", "--target", "127.0.0.1", "--domain", "x", "--account", "a:b", "--peer-domain", "peer.example"], /--peer-domain and --peer-listen go together/));
  it("--peer-listen without a port", () =>
    expectUsageError(["run", "--target", "127.0.0.1", "--domain", "x", "--account", "a:b", "--peer-domain", "p.example", "--peer-listen", "127.0.0.1"], /--peer-listen 127\.0\.0\.1: expected HOST:PORT/));
  it("--peer-listen where nothing can listen", () =>
    expectUsageError(["run", "--target", "127.0.0.1:1", "--domain", "x", "--account", "a:b", "--peer-domain", "p.example", "--peer-listen", "999.0.0.1:5269"], /--peer-listen 999\.0\.0\.1:5269: cannot listen there \(host not found\)/));
  it("connection refused", () =>
    expectUsageError(["run", "--target", "127.0.0.1:1", "--domain", "x", "--account", "a:b"], /127\.0\.0\.1:1.*refused/));
});

describe("runner CLI run with no matching tests", function () {
  this.timeout(30_000);

  it("completes against the embedded server, writes the three reports and exits 0", async () => {
    const dir = tempDir("xc-cli-");
    try {
      const { code, stdout, stderr } = await cli("run", "--grep", "^no such test$", "--reports", dir);
      expect(stderr).to.equal("");
      expect(stdout.split("\n")).to.include("0 passed, 0 failed, 0 skipped");
      expect(code).to.equal(0);
      for (const f of ["junit.xml", "results.json", "summary.md"]) expect(existsSync(join(dir, f)), f).to.equal(true);
      expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).totals).to.deep.equal({ passed: 0, failed: 0, skipped: 0 });
      expect(readFileSync(join(dir, "junit.xml"), "utf8")).to.include("<testsuites");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runner CLI list --faults", function () {
  this.timeout(20_000);

  it("lists every fault switch with the rules it breaks", async () => {
    const { code, stdout } = await cli("list", "--faults", "--json");
    expect(code).to.equal(0);
    const faults = JSON.parse(stdout) as Array<{ name: string; rules: string[] }>;
    expect(faults.some((f) => f.name === "sm.ack-off-by-one" && f.rules.includes("SM-10"))).to.equal(true);
    expect(faults.every((f) => f.rules.length > 0)).to.equal(true);
  });
});
