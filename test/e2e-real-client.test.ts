// The reference server is a real server: Debian's slixmpp logs in, enables SM,
// exchanges messages, drops its socket and resumes (fixtures/clients/slixmpp_sm.py).
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { serve, tempDir } from "./cli-process.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../fixtures/clients/slixmpp_sm.py", import.meta.url));

describe("a real client (slixmpp) against `serve`", function () {
  this.timeout(60_000);

  it("logs in over STARTTLS, enables and resumes Stream Management, and exchanges messages", async function () {
    if (spawnSync(PYTHON, ["-c", "import slixmpp"]).status !== 0) {
      // .ci/run installs python3-slixmpp: in CI its absence is a failure, not a skip.
      expect(!process.env.CI, "python3-slixmpp is not installed").to.equal(true);
      this.skip();
    }
    const cert = join(tempDir("xc-slix-"), "cert.pem");
    const { child, port } = await serve("--port", "0", "--cert", cert, "--user", "alice:alicepw", "--user", "bob:bobpw");
    try {
      const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const py = spawn(PYTHON, [SCRIPT, String(port), "localhost", "alice:alicepw", "bob:bobpw", cert]);
        let text = "";
        py.stdout.on("data", (d) => (text += d));
        py.stderr.on("data", (d) => (text += d));
        py.on("close", (code) => resolve({ code, text }));
      });
      expect(out.code, out.text).to.equal(0);
      expect(out.text).to.match(/ok: alice received the message sent while she was away/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
