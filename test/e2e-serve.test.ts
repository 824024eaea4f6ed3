// The documented pairing: `serve --fault NAME` in one process, `run --target` in another.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, serve, tempDir } from "./cli-process.js";

describe("run --target against serve", function () {
  this.timeout(60_000);

  for (const [faults, code] of [[[], 0], [["sm.ack-off-by-one"], 1]] as const) {
    it(`exits ${code} against serve ${faults.length ? `--fault ${faults.join(" ")}` : "with no fault"}`, async () => {
      const { child, port } = await serve("--port", "0", "--user", "alice:pw", "--user", "bob:pw", ...faults.flatMap((f) => ["--fault", f]));
      try {
        const dir = tempDir("xc-serve-");
        const run = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", "--account", "alice:pw", "--account", "bob:pw", "--grep", "SM-10", "--reports", dir);
        expect(run.code, run.stdout + run.stderr).to.equal(code);
        const junit = readFileSync(join(dir, "junit.xml"), "utf8");
        expect(junit.includes('<failure message="SM-10 violated'), junit.slice(0, 2000)).to.equal(code === 1);
      } finally {
        child.kill("SIGTERM");
      }
    });
  }

  it("--fail-on-skip exits 1 and names each skipped test with its reason", async () => {
    const { child, port } = await serve("--port", "0", "--user", "alice:pw", "--user", "bob:pw");
    try {
      const target = ["--target", `127.0.0.1:${port}`, "--domain", "localhost", "--account", "alice:pw", "--account", "bob:pw", "--reports", tempDir("xc-skip-")];
      // Without --sm-queue-limit the queue-overflow test cannot run against a target.
      const grep = ["--grep", "sm\\.queue\\.overflow"];
      const plain = await cli("run", ...target, ...grep);
      expect(plain.code, plain.stdout).to.equal(0);
      const strict = await cli("run", ...target, ...grep, "--fail-on-skip");
      expect(strict.code, strict.stdout).to.equal(1);
      expect(strict.stdout).to.match(/SKIPPED sm\.queue\.overflow-no-loss .*queue limit is unknown/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
