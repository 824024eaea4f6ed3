// The test client's login against the reference server: which mechanism it picks from
// what is offered, channel binding over TLS 1.3, and its refusal to send a password in
// the clear to a host that is not loopback.
import { expect } from "chai";
import { TestClient } from "../src/harness/client.js";
import { ConnectError } from "../src/harness/errors.js";
import type { Mechanism } from "../src/harness/sasl.js";
import type { TargetProfile, TlsMode } from "../src/harness/target.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { SASL_MECHANISMS } from "../src/xmpp/sasl.js";
import { loopbackAlias } from "./cli-process.js";

const ALICE = { username: "alice", password: "pw" };

describe("harness login", function () {
  this.timeout(10000);
  const servers: RunningServer[] = [];
  const clients: TestClient[] = [];

  async function start(opts: { sasl?: string[] } = {}): Promise<RunningServer> {
    const s = await startServer({ domain: "localhost", users: [ALICE], directTls: true, ...opts });
    servers.push(s);
    return s;
  }

  function target(s: RunningServer, tls: TlsMode, extra: Partial<TargetProfile> = {}): TargetProfile {
    return { host: s.host, port: tls === "direct" ? s.directTlsPort! : s.port, domain: "localhost", tls, insecure: false, caPem: s.certificatePem, ...extra };
  }

  async function login(t: TargetProfile, mechanism?: Mechanism): Promise<TestClient> {
    const c = await TestClient.connect(t, ALICE, { until: "authenticated", ...(mechanism ? { mechanism } : {}) });
    clients.push(c);
    return c;
  }

  async function refusal(t: TargetProfile, mechanism?: Mechanism): Promise<ConnectError> {
    const err = await login(t, mechanism).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectError);
    return err as ConnectError;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(() => Promise.all(servers.map((s) => s.stop())));

  it("binds the channel with the strongest -PLUS mechanism over TLS 1.3, STARTTLS or direct", async () => {
    const s = await start();
    expect((await login(target(s, "starttls"))).mechanism).to.equal("SCRAM-SHA-512-PLUS");
    expect((await login(target(s, "direct"))).mechanism).to.equal("SCRAM-SHA-512-PLUS");
  });

  it("takes the strongest SCRAM in the clear", async () => {
    const s = await start();
    expect((await login(target(s, "plain"))).mechanism).to.equal("SCRAM-SHA-512");
  });

  it("takes what a Debian Prosody offers (SCRAM-SHA-1, PLAIN), over TLS too, where it flags y", async () => {
    const s = await start({ sasl: ["SCRAM-SHA-1", "PLAIN"] });
    expect((await login(target(s, "plain"))).mechanism).to.equal("SCRAM-SHA-1");
    expect((await login(target(s, "starttls"))).mechanism).to.equal("SCRAM-SHA-1");
  });

  it("takes the strongest of any subset, and PLAIN alone to loopback", async () => {
    const s256 = await start({ sasl: ["SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "PLAIN"] });
    expect((await login(target(s256, "starttls"))).mechanism).to.equal("SCRAM-SHA-256-PLUS");
    expect((await login(target(s256, "plain"))).mechanism).to.equal("SCRAM-SHA-256");
    const plainOnly = await start({ sasl: ["PLAIN"] });
    expect((await login(target(plainOnly, "plain"))).mechanism).to.equal("PLAIN");
  });

  it("logs in with any mechanism a test forces", async () => {
    const s = await start();
    for (const m of SASL_MECHANISMS) expect((await login(target(s, "starttls"), m)).mechanism, m).to.equal(m);
  });

  it("says why it cannot use a forced mechanism", async () => {
    const s = await start({ sasl: ["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"] });
    expect((await refusal(target(s, "plain"), "SCRAM-SHA-1-PLUS")).message).to.equal("localhost does not offer SASL SCRAM-SHA-1-PLUS (offers: SCRAM-SHA-1)");
    expect((await refusal(target(s, "starttls"), "SCRAM-SHA-256")).message).to.match(/does not offer SASL SCRAM-SHA-256 \(offers: SCRAM-SHA-1-PLUS, SCRAM-SHA-1\)/);
  });

  // A name for 127.0.0.1 other than localhost: treated as remote, reached on loopback.
  describe("to a host that is not loopback", () => {
    let remote: string | undefined;
    before(function () {
      remote = loopbackAlias();
      if (!remote) this.skip();
    });
    const remoteTarget = (s: RunningServer, tls: TlsMode, extra: Partial<TargetProfile> = {}) => target(s, tls, { host: remote!, ...extra });

    it("refuses to send PLAIN over an unencrypted stream, in one line naming the ways out", async () => {
      const s = await start({ sasl: ["PLAIN"] });
      const err = await refusal(remoteTarget(s, "plain"));
      expect(err.message).to.equal(
        `refusing to send the password (SASL PLAIN) over an unencrypted stream to ${remote}, which is not loopback: use --tls starttls or --tls direct, or allow it with --allow-plaintext-auth`,
      );
      expect((await refusal(remoteTarget(s, "plain"), "PLAIN")).message).to.match(/^refusing to send the password/);
    });

    it("sends PLAIN over TLS, or in the clear when allowed", async () => {
      const s = await start({ sasl: ["PLAIN"] });
      expect((await login(remoteTarget(s, "starttls"))).mechanism).to.equal("PLAIN");
      expect((await login(remoteTarget(s, "plain", { allowPlaintextAuth: true }))).mechanism).to.equal("PLAIN");
    });

    it("prefers SCRAM in the clear, which reveals no password", async () => {
      const s = await start({ sasl: ["SCRAM-SHA-1", "PLAIN"] });
      expect((await login(remoteTarget(s, "plain"))).mechanism).to.equal("SCRAM-SHA-1");
    });
  });
});
