// The harness as an XEP-0114 component against `serve --component`: the handshake, stanzas
// both ways, a barrier, and a refused secret said in one line; and `run --component`
// against the same server, as a user would attach the harness to a real one.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TestClient } from "../src/harness/client.js";
import { TestComponent, handshakeDigest, type ComponentProfile } from "../src/harness/component.js";
import { ConnectError } from "../src/harness/errors.js";
import { cli, serve, tempDir } from "./cli-process.js";

describe("harness component (XEP-0114)", function () {
  this.timeout(30_000);
  let stop: () => void;
  let profile: ComponentProfile;
  let c2s: number;

  before(async () => {
    const s = await serve("--port", "0", "--user", "alice:pw", "--component", "component.localhost:s3cret");
    stop = () => s.child.kill("SIGTERM");
    c2s = s.port;
    const port = Number(/component port (\d+)/.exec(s.line)?.[1]);
    profile = { host: "127.0.0.1", port, domain: "component.localhost", secret: "s3cret", serverDomain: "localhost" };
  });
  after(() => stop());

  it("hashes stream id then secret, in lower-case hex", () => {
    expect(handshakeDigest("abc", "def")).to.equal("1f8ac10f23c5b5bc1167bda84b833e5c057a77d2"); // SHA-1("abcdef")
  });

  it("authenticates, exchanges stanzas with a client and proves absence with a barrier", async () => {
    const component = await TestComponent.connect(profile);
    const client = await TestClient.connect({ host: "127.0.0.1", port: c2s, domain: "localhost", tls: "plain", insecure: false }, { username: "alice", password: "pw" });
    try {
      await client.send(`<message to='component.localhost' id='in'><body>hi</body></message>`);
      expect((await component.expect({ name: "message", attrs: { id: "in" } })).attrs.from).to.equal(client.jid);
      await component.send(`<message from='component.localhost' to='${client.jid}' id='out'><body>back</body></message>`);
      await client.expect({ name: "message", attrs: { id: "out", from: "component.localhost" } });
      await component.expectNothing({ name: "message" }, "test");
    } finally {
      await component.close();
      await client.close();
    }
  });

  it("says in one line that a wrong secret was refused", async () => {
    const err = await TestComponent.connect({ ...profile, secret: "wrong" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as Error).message).to.match(/did not accept the handshake of component\.localhost: .*not-authorized/);
  });

  it("run --component attaches the harness and the summary says so", async () => {
    const dir = tempDir("xc-comp-");
    const run = await cli("run", "--target", `127.0.0.1:${c2s}`, "--domain", "localhost", "--account", "alice:pw", "--component", `component.localhost:s3cret@${profile.port}`, "--grep", "^sm\\.ack\\.zero$", "--reports", dir);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(readFileSync(join(dir, "summary.md"), "utf8")).to.include("Component `component.localhost`: the harness attaches to it (XEP-0114)");
  });
});
