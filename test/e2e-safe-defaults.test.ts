// Safe by default toward real servers: how `run --target` secures its streams when --tls
// is not given, and its refusal to send PLAIN in the clear to a host that is not
// loopback. The remote cases use a name /etc/hosts gives 127.0.0.1 besides localhost:
// the harness must treat it as remote, and the traffic stays on loopback (servers here
// listen on loopback only). They skip on a machine without such a name.
import { expect } from "chai";
import { join } from "node:path";
import { cli, loopbackAlias, serve, tempDir } from "./cli-process.js";

const ACCOUNTS = ["--account", "alice:pw", "--account", "bob:pw"];
const USERS = ["--user", "alice:pw", "--user", "bob:pw"];
/** One quick test: enough to log in, discover and pass. */
const ONE_TEST = ["--grep", "^sm\\.ack\\.counts-stanzas$"];

describe("run --target: safe defaults", function () {
  this.timeout(60_000);

  it("reaches a loopback target in the clear when --tls is not given", async () => {
    const { child, port } = await serve("--port", "0", ...USERS);
    try {
      const run = await cli("run", "--target", `127.0.0.1:${port}`, "--domain", "localhost", ...ACCOUNTS, ...ONE_TEST, "--reports", tempDir("xc-safe-"));
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout.split("\n")[0]).to.match(/^target 127\.0\.0\.1:\d+ \(domain localhost, tls plain; external server\)$/);
    } finally {
      child.kill("SIGTERM");
    }
  });

  describe("to a host that is not loopback", () => {
    let host: string;
    let cert: string;
    before(function () {
      const address = loopbackAlias();
      if (!address) this.skip();
      host = address;
      cert = join(tempDir("xc-safe-cert-"), "server.pem");
    });

    /** `serve` (on loopback, reached through the alias), offering only PLAIN. */
    const servePlainOnly = (...extra: string[]) => serve("--port", "0", "--cert", cert, "--sasl", "PLAIN", ...USERS, ...extra);
    const run = (port: number, ...args: string[]) =>
      cli("run", "--target", `${host}:${port}`, "--domain", "localhost", ...ACCOUNTS, ...ONE_TEST, "--reports", tempDir("xc-safe-"), ...args);

    it("defaults to STARTTLS with a verified certificate, and then sends PLAIN", async () => {
      const { child, port } = await servePlainOnly();
      try {
        const trusted = await run(port, "--ca", cert);
        expect(trusted.code, trusted.stdout + trusted.stderr).to.equal(0);
        expect(trusted.stdout.split("\n")[0]).to.contain("tls starttls;");
        const untrusted = await run(port);
        expect(untrusted.code).to.equal(2);
        expect(untrusted.stderr).to.match(/^xmpp-conformance: TLS handshake with \S+ failed: .*certificate/);
      } finally {
        child.kill("SIGTERM");
      }
    });

    it("fails in one line when the server offers no STARTTLS", async () => {
      const { child, port } = await servePlainOnly("--tls", "off");
      try {
        const r = await run(port, "--ca", cert);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.equal("xmpp-conformance: localhost does not offer STARTTLS\n");
      } finally {
        child.kill("SIGTERM");
      }
    });

    it("with --tls plain, refuses to send PLAIN unless --allow-plaintext-auth", async () => {
      const { child, port } = await servePlainOnly();
      try {
        const refused = await run(port, "--tls", "plain");
        expect(refused.code).to.equal(2);
        expect(refused.stderr).to.equal(
          `xmpp-conformance: refusing to send the password (SASL PLAIN) over an unencrypted stream to ${host}, which is not loopback: ` +
            "use --tls starttls or --tls direct, or allow it with --allow-plaintext-auth\n",
        );
        const allowed = await run(port, "--tls", "plain", "--allow-plaintext-auth");
        expect(allowed.code, allowed.stdout + allowed.stderr).to.equal(0);
      } finally {
        child.kill("SIGTERM");
      }
    });

    it("with --tls plain, logs in with SCRAM, which reveals no password", async () => {
      const { child, port } = await serve("--port", "0", ...USERS);
      try {
        const r = await run(port, "--tls", "plain");
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout.split("\n")[0]).to.contain("tls plain;");
      } finally {
        child.kill("SIGTERM");
      }
    });
  });
});
