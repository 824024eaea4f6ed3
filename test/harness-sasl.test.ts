import { expect } from "chai";
import { chooseMechanism, plain, scram, scramSha1 } from "../src/harness/sasl.js";
import { PLUS_VECTOR, SHA512_VECTOR } from "./scram-vectors.js";

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

  it("rejects a forged server signature and a nonce the client did not start, without quoting the payload", () => {
    const ex = scramSha1("user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    ex.respond(b64("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
    expect(() => ex.verifySuccess(b64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="))).to.throw(/does not verify/);
    const other = scramSha1("user", "pencil", "abc");
    expect(() => other.respond(b64("r=zzz,s=QSXCR+Q6sek8bf92,i=4096"))).to.throw(/malformed/).and.not.to.match(/QSXCR/);
    const same = scramSha1("user", "pencil", "abc");
    expect(() => same.respond(b64("r=abc,s=QSXCR+Q6sek8bf92,i=4096"))).to.throw(/does not extend/);
    const ended = scramSha1("user", "pencil", "abc");
    ended.respond(b64("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096"));
    expect(() => ended.verifySuccess(b64("e=other-error"))).to.throw(/error other-error/);
  });
});

describe("harness SCRAM-SHA-256 (RFC 7677 section 3 test vector)", () => {
  it("produces the RFC's client messages and verifies its server signature", () => {
    const ex = scram("SCRAM-SHA-256", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO" });
    expect(unb64(ex.initial)).to.equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    const final = ex.respond(b64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
    expect(unb64(final)).to.equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    expect(() => ex.verifySuccess(b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))).not.to.throw();
    expect(() => ex.verifySuccess(b64("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))).to.throw(/does not verify/);
  });
});

describe("harness SCRAM-SHA-512 and -PLUS (independently computed vectors)", () => {
  it("SCRAM-SHA-512 derives 64-byte proofs and verifies the server signature", () => {
    const ex = scram("SCRAM-SHA-512", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO" });
    expect(unb64(ex.respond(b64(SHA512_VECTOR.serverFirst)))).to.equal(SHA512_VECTOR.clientFinal);
    expect(() => ex.verifySuccess(b64(SHA512_VECTOR.serverFinal))).not.to.throw();
  });

  it("SCRAM-SHA-256-PLUS binds the channel: p=tls-exporter in the GS2 header, the exporter data in c=", () => {
    const ex = scram("SCRAM-SHA-256-PLUS", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO", channelBinding: PLUS_VECTOR.channelBinding });
    expect(unb64(ex.initial)).to.equal(PLUS_VECTOR.clientFirst);
    expect(unb64(ex.respond(b64(PLUS_VECTOR.serverFirst)))).to.equal(PLUS_VECTOR.clientFinal);
    expect(() => ex.verifySuccess(b64(PLUS_VECTOR.serverFinal))).not.to.throw();
  });

  it("a -PLUS mechanism needs channel-binding data; without -PLUS the GS2 flag is n or y", () => {
    expect(() => scram("SCRAM-SHA-1-PLUS", "user", "pencil")).to.throw(/tls-exporter/);
    expect(unb64(scram("SCRAM-SHA-1", "user", "pencil", { nonce: "x", flag: "y" }).initial)).to.equal("y,,n=user,r=x");
    const y = scram("SCRAM-SHA-256", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO", flag: "y" });
    // c= carries the same GS2 header: base64("y,,") is eSws.
    expect(unb64(y.respond(b64(SHA512_VECTOR.serverFirst)))).to.match(/^c=eSws,r=/);
  });

  it("PLAIN carries authzid, user and password", () => {
    expect(unb64(plain("user", "pencil").initial)).to.equal("\0user\0pencil");
  });
});

describe("harness mechanism choice", () => {
  const all = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"];
  it("takes the strongest offered, -PLUS only when the channel can be bound", () => {
    expect(chooseMechanism(all, true, true)).to.equal("SCRAM-SHA-512-PLUS");
    expect(chooseMechanism(all, false, true)).to.equal("SCRAM-SHA-512");
    expect(chooseMechanism(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1", "PLAIN"], true, true)).to.equal("SCRAM-SHA-256-PLUS");
    expect(chooseMechanism(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1", "PLAIN"], false, true)).to.equal("SCRAM-SHA-1");
    expect(chooseMechanism(["PLAIN", "SCRAM-SHA-1"], false, true)).to.equal("SCRAM-SHA-1");
    expect(chooseMechanism(["DIGEST-MD5", "PLAIN"], false, true)).to.equal("PLAIN");
  });

  it("never PLAIN when it is not allowed, and nothing it does not know", () => {
    expect(chooseMechanism(["PLAIN"], false, false)).to.equal(undefined);
    expect(chooseMechanism(["PLAIN", "SCRAM-SHA-1"], false, false)).to.equal("SCRAM-SHA-1");
    expect(chooseMechanism(["DIGEST-MD5", "X-OAUTH2"], true, true)).to.equal(undefined);
  });
});
