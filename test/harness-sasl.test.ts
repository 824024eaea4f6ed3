import { expect } from "chai";
import { scramSha1 } from "../src/harness/sasl.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString();

describe("harness SCRAM-SHA-1 (RFC 5802 section 5 test vector)", () => {
  it("produces the RFC's client messages and verifies its server signature", () => {
    const ex = scramSha1("user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    expect(unb64(ex.initial)).to.equal("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    const final = ex.respond(b64("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
    expect(unb64(final)).to.equal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    expect(() => ex.verifySuccess(b64("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))).not.to.throw();
  });

  it("rejects a forged server signature and a nonce the client did not start", () => {
    const ex = scramSha1("user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    ex.respond(b64("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
    expect(() => ex.verifySuccess(b64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="))).to.throw(/does not verify/);
    const other = scramSha1("user", "pencil", "abc");
    expect(() => other.respond(b64("r=zzz,s=QSXCR+Q6sek8bf92,i=4096"))).to.throw(/malformed/);
  });
});
