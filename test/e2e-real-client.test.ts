// The reference server is a real server: Debian's slixmpp logs in, enables SM,
// exchanges messages, drops its socket and resumes (fixtures/clients/slixmpp_sm.py),
// and publishes and receives PEP with entity caps (fixtures/clients/slixmpp_pep.py).
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { serve, tempDir } from "./cli-process.js";

const PYTHON = "/usr/bin/python3";
const script = (name: string) => fileURLToPath(new URL(`../../fixtures/clients/${name}`, import.meta.url));

/** Runs a client script against a fresh `serve` with two accounts; returns its exit code and output. */
async function runAgainstServe(file: string): Promise<{ code: number | null; text: string }> {
  const cert = join(tempDir("xc-slix-"), "cert.pem");
  const { child, port } = await serve("--port", "0", "--cert", cert, "--user", "alice:alicepw", "--user", "bob:bobpw");
  try {
    return await new Promise((resolve) => {
      const py = spawn(PYTHON, [script(file), String(port), "localhost", "alice:alicepw", "bob:bobpw", cert]);
      let text = "";
      py.stdout.on("data", (d) => (text += d));
      py.stderr.on("data", (d) => (text += d));
      py.on("close", (code) => resolve({ code, text }));
    });
  } finally {
    child.kill("SIGTERM");
  }
}

describe("a real client (slixmpp) against `serve`", function () {
  this.timeout(60_000);

  beforeEach(function () {
    if (spawnSync(PYTHON, ["-c", "import slixmpp"]).status !== 0) {
      // .ci/run installs python3-slixmpp: in CI its absence is a failure, not a skip.
      expect(!process.env.CI, "python3-slixmpp is not installed").to.equal(true);
      this.skip();
    }
  });

  it("logs in over STARTTLS, enables and resumes Stream Management, and exchanges messages", async () => {
    const out = await runAgainstServe("slixmpp_sm.py");
    expect(out.code, out.text).to.equal(0);
    expect(out.text).to.match(/ok: alice received the message sent while she was away/);
  });

  it("publishes and receives PEP, filtered by caps the server verified, and gets the last item on coming online", async () => {
    const out = await runAgainstServe("slixmpp_pep.py");
    expect(out.code, out.text).to.equal(0);
    expect(out.text).to.match(/ok: bob received alice's tune/).and.match(/ok: bob's second resource received the last tune on coming online/);
  });
});
