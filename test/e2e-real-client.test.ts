// The reference server is a real server, and the clients suite judges real clients:
// @xmpp/client and Debian's slixmpp log in to `serve` over STARTTLS with its certificate
// verified, with accounts an admin creates, enable SM, exchange messages, drop their
// socket and resume (suites/clients); an SM fault makes them fail; and slixmpp publishes
// and receives PEP with entity caps (fixtures/clients/slixmpp_pep.py).
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Context } from "mocha";
import { cli, serve, tempDir } from "./cli-process.js";

const PYTHON = "/usr/bin/python3";
const script = (name: string) => fileURLToPath(new URL(`../../fixtures/clients/${name}`, import.meta.url));

interface ResultRow {
  id: string;
  status: string;
  reason: string | null;
  failure?: { rule?: string };
}

const results = (dir: string) => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results as ResultRow[];

/** Skips the test where Debian's slixmpp is missing, but for CI, which installs it. */
function needSlixmpp(ctx: Context): void {
  if (spawnSync(PYTHON, ["-c", "import slixmpp"]).status === 0) return;
  // .ci/run installs python3-slixmpp: in CI its absence is a failure, not a skip.
  expect(!process.env.CI, "python3-slixmpp is not installed").to.equal(true);
  ctx.skip();
}

describe("real clients against the reference server", function () {
  this.timeout(60_000);

  it("the clients suite passes against `serve` over STARTTLS with a verified certificate and admin-created accounts", async function () {
    needSlixmpp(this);
    const cert = join(tempDir("xc-clients-"), "cert.pem");
    const { child, port } = await serve("--port", "0", "--cert", cert, "--user", "admin:pw", "--admin", "admin", "--no-register");
    try {
      const dir = tempDir("xc-clients-");
      const run = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--tls", "starttls", "--ca", cert, "--admin", "admin:pw", "--suite", "clients", "--jobs", "4", "--reports", dir);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const rows = results(dir);
      expect(rows.map((r) => `${r.id} ${r.status}`)).to.deep.equal(
        ["xmppjs", "slixmpp"].map((lib) => `clients.${lib}.resume passed`),
      );
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("the clients suite fails with sm.no-retransmit: each library's resumption misses the message sent while it was away (SM-17)", async function () {
    needSlixmpp(this);
    const dir = tempDir("xc-clients-");
    const run = await cli("run", "--suite", "clients", "--fault", "sm.no-retransmit", "--timeout", "2000", "--reports", dir);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    const failed = results(dir).filter((r) => r.status === "failed");
    expect(failed.map((r) => `${r.id} ${r.failure?.rule}`)).to.deep.equal(["clients.xmppjs.resume SM-17", "clients.slixmpp.resume SM-17"]);
  });

  it("skips the slixmpp tests, naming the interpreter, where Python with slixmpp is missing", async () => {
    const dir = tempDir("xc-clients-");
    const run = await cli("run", "--suite", "clients", "--grep", "slixmpp", "--python", "/nonexistent/python3", "--reports", dir);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(results(dir).map((r) => `${r.id} ${r.status}: ${r.reason}`)).to.deep.equal(
      ["clients.slixmpp.resume skipped: slixmpp is not available: no Python interpreter at /nonexistent/python3 (--python)"],
    );
  });

  it("slixmpp publishes and receives PEP, filtered by caps the server verified, and gets the last item on coming online", async function () {
    needSlixmpp(this);
    const cert = join(tempDir("xc-slix-"), "cert.pem");
    const { child, port } = await serve("--port", "0", "--cert", cert, "--user", "alice:alicepw", "--user", "bob:bobpw");
    try {
      const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const py = spawn(PYTHON, [script("slixmpp_pep.py"), String(port), "localhost", "alice:alicepw", "bob:bobpw", cert]);
        let text = "";
        py.stdout.on("data", (d) => (text += d));
        py.stderr.on("data", (d) => (text += d));
        py.on("close", (code) => resolve({ code, text }));
      });
      expect(out.code, out.text).to.equal(0);
      expect(out.text).to.match(/ok: bob received alice's tune/).and.match(/ok: bob's second resource received the last tune on coming online/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
