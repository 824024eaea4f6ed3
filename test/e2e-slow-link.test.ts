// Verdicts hold over a slow link: the SM suite through a proxy adding 60 ms each way
// (a 120 ms round trip) gives the same verdict per test as over plain loopback. Its
// tests mostly wait on the delay, so many run at once.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, serve, tempDir } from "./cli-process.js";
import { delayProxy } from "./delay-proxy.js";

interface ResultRow {
  id: string;
  status: string;
  reason?: string;
  failure?: { message: string };
}

const ONE_WAY_MS = 60;

describe("the SM suite over a slow link", function () {
  this.timeout(300_000);

  it(`gives the same verdicts with ${ONE_WAY_MS} ms of one-way delay as without`, async () => {
    const { child, port } = await serve("--port", "0");
    const proxy = await delayProxy({ host: "127.0.0.1", port }, ONE_WAY_MS);
    try {
      const runVia = async (via: number) => {
        const dir = tempDir("xc-slow-");
        const run = await cli("run", "--target", `127.0.0.1:${via}`, "--domain", "localhost", "--register", "--suite", "sm", "--jobs", "30", "--sm-queue-limit", "500", "--reports", dir);
        const rows = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).results as ResultRow[];
        return { run, verdicts: Object.fromEntries(rows.map((r) => [r.id, r.status])), rows };
      };
      const [direct, slow] = await Promise.all([runVia(port), runVia(proxy.port)]);
      expect(direct.run.code, direct.run.stdout.slice(-3000)).to.equal(0);
      const differing = slow.rows.filter((r) => r.status !== direct.verdicts[r.id]);
      expect(differing.map((r) => `${r.id}: ${r.status} ${r.reason ?? r.failure?.message ?? ""}`), slow.run.stdout.slice(-3000)).to.deep.equal([]);
      expect(Object.keys(slow.verdicts).sort()).to.deep.equal(Object.keys(direct.verdicts).sort());
    } finally {
      await proxy.close();
      child.kill("SIGTERM");
    }
  });
});
