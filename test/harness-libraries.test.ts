// Real client libraries as the harness drives them (src/harness/libraries): a test's
// context ends the session a library was dropped from and never resumed, once; a library
// that shares no SASL mechanism with the target skips the test, saying why.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { GivenAccounts } from "../src/harness/accounts.js";
import type { LibraryName } from "../src/harness/libraries/library-client.js";
import type { TargetProfile } from "../src/harness/target.js";
import { AccountLeases } from "../src/runner/account-leases.js";
import type { Capabilities } from "../src/runner/capabilities.js";
import { TestContext } from "../src/runner/test-context.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { SkipTest } from "../src/verdict/verdict.js";

const PYTHON = "/usr/bin/python3";
const ALICE = { username: "alice", password: "pw" };

async function context(server: RunningServer): Promise<TestContext> {
  const target: TargetProfile = { host: "127.0.0.1", port: server.port, domain: server.domain, tls: "plain", insecure: false, caPem: server.certificatePem };
  const run = {
    target,
    accounts: await AccountLeases.of(new GivenAccounts([ALICE])),
    options: { timeoutMs: 3000, maxWaitSec: 10, python: PYTHON },
    capabilities: {} as Capabilities,
  };
  return new TestContext(run, { id: "harness.libraries", rules: [], title: "libraries" });
}

describe("real client libraries in driver processes", function () {
  this.timeout(30_000);
  const libraries: LibraryName[] = spawnSync(PYTHON, ["-c", "import slixmpp"]).status === 0 ? ["xmppjs", "slixmpp"] : ["xmppjs"];

  for (const name of libraries) {
    it(`${name}: a session the library was dropped from is resumed by the harness and closed, once`, async () => {
      const server = await startServer({ domain: "localhost", port: 0, users: [ALICE] });
      try {
        const t = await context(server);
        const lib = await t.library(name, (await t.accounts(1))[0]!);
        const enabled = await lib.expect(["sm-enabled"], "test");
        lib.command({ op: "drop" });
        await lib.expect(["dropped"], "test");
        expect(lib.abandoned?.id).to.equal(enabled.id);
        await t.finish(9000);
        const resumes = t.transcript().split("\n").filter((l) => l.includes("-cleanup <- <resumed") || l.includes("-cleanup -> <resume "));
        expect(resumes.map((l) => l.replace(/^.*?(<\/?\w+).*$/, "$1")), t.transcript()).to.deep.equal(["<resume", "<resumed"]);
      } finally {
        await server.stop();
      }
    });
  }

  it("xmppjs: a target with no SASL mechanism it knows skips the test, naming it", async () => {
    const server = await startServer({ domain: "localhost", port: 0, users: [ALICE], sasl: ["SCRAM-SHA-256"] });
    try {
      const t = await context(server);
      const lib = await t.library("xmppjs", (await t.accounts(1))[0]!);
      const skip = await lib.expect(["online"], "test").then(() => undefined, (err: unknown) => err);
      expect(skip).to.be.instanceOf(SkipTest);
      expect((skip as SkipTest).reason).to.equal("@xmpp/client cannot log in to this target: SASL: No compatible mechanism available. (it knows SCRAM-SHA-1 and PLAIN)");
      await t.finish(9000);
    } finally {
      await server.stop();
    }
  });
});
