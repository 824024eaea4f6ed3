import { expect } from "chai";
import { defaultTlsMode, isLoopback, plainAuthAllowed } from "../src/harness/target.js";

describe("target safety rules", () => {
  it("knows loopback hosts by what the user typed", () => {
    for (const h of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect(isLoopback(h), h).to.equal(true);
    }
    for (const h of ["192.0.2.2", "10.0.0.1", "128.0.0.1", "::2", "fd00::2", "xmpp.example.org", "localhost.example.org", "127.0.0.1.example.org"]) {
      expect(isLoopback(h), h).to.equal(false);
    }
  });

  it("defaults to STARTTLS for any target that is not loopback", () => {
    expect(defaultTlsMode("127.0.0.1")).to.equal("plain");
    expect(defaultTlsMode("localhost")).to.equal("plain");
    expect(defaultTlsMode("::1")).to.equal("plain");
    expect(defaultTlsMode("192.0.2.2")).to.equal("starttls");
    expect(defaultTlsMode("xmpp.example.org")).to.equal("starttls");
  });

  it("sends PLAIN in the clear only to loopback, or when allowed", () => {
    expect(plainAuthAllowed({ host: "xmpp.example.org" }, true)).to.equal(true);
    expect(plainAuthAllowed({ host: "xmpp.example.org" }, false)).to.equal(false);
    expect(plainAuthAllowed({ host: "xmpp.example.org", allowPlaintextAuth: true }, false)).to.equal(true);
    expect(plainAuthAllowed({ host: "127.0.0.1" }, false)).to.equal(true);
    expect(plainAuthAllowed({ host: "192.0.2.2", allowPlaintextAuth: false }, false)).to.equal(false);
  });
});
