import { expect } from "chai";
import { ScramServer, scramCredentials } from "../src/server/sasl.js";
import { saltedPassword, verifyClientProof } from "../src/xmpp/scram.js";

// RFC 5802 section 5.
const SALT = Buffer.from("QSXCR+Q6sek8bf92", "base64");
const CLIENT_FIRST = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
const SERVER_FIRST = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
const CLIENT_FINAL = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
const AUTH_MESSAGE = `${CLIENT_FIRST.slice(3)},${SERVER_FIRST},${CLIENT_FINAL.slice(0, CLIENT_FINAL.indexOf(",p="))}`;

describe("server SCRAM-SHA-1", () => {
  const creds = scramCredentials("pencil", SALT, 4096);
  const accounts = {
    checkPassword: () => false,
    scramCredentials: (u: string) => (u === "user" ? creds : undefined),
  };

  it("derives the salted password of the RFC 5802 vector", () => {
    expect(saltedPassword("pencil", SALT, 4096).toString("hex")).to.equal("1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d");
  });

  it("verifies the vector's proof and computes its server signature", () => {
    const proof = (b64: string) => Buffer.from(b64, "base64");
    expect(verifyClientProof(creds, AUTH_MESSAGE, proof("v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="))?.toString("base64")).to.equal("rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    expect(verifyClientProof(creds, AUTH_MESSAGE, proof("AAX8v3Bz2T0CJGbJQyF0X+HI4Ts="))).to.equal(undefined);
  });

  it("runs the whole exchange of the vector", () => {
    const server = new ScramServer(accounts, "example.com", () => "3rfcNHYJY1ZVvWVs7j");
    expect(server.step(CLIENT_FIRST)).to.deep.equal({ kind: "challenge", data: SERVER_FIRST });
    expect(server.step(CLIENT_FINAL)).to.deep.equal({ kind: "success", username: "user", data: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" });
  });

  it("rejects a wrong proof, a changed nonce and an unknown user", () => {
    const wrong = new ScramServer(accounts, "example.com", () => "3rfcNHYJY1ZVvWVs7j");
    wrong.step(CLIENT_FIRST);
    expect(wrong.step(CLIENT_FINAL.replace("p=v0X8", "p=AAAA"))).to.deep.equal({ kind: "failure", condition: "not-authorized" });
    const nonce = new ScramServer(accounts, "example.com", () => "3rfcNHYJY1ZVvWVs7j");
    nonce.step(CLIENT_FIRST);
    expect(nonce.step(CLIENT_FINAL.replace("Vs7j,", "Vs7k,"))).to.deep.equal({ kind: "failure", condition: "malformed-request" });
    const unknown = new ScramServer(accounts, "example.com", () => "3rfcNHYJY1ZVvWVs7j");
    expect(unknown.step("n,,n=nobody,r=fyko+d2lbbFgONRv9qkxdawL").kind).to.equal("challenge");
    expect(unknown.step(CLIENT_FINAL).kind).to.equal("failure");
  });
});
