import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { plain, scram } from "../src/harness/sasl.js";
import { MECHANISMS, ScramServer, checkMechanisms, scramCredentials, startSasl, type Mechanism } from "../src/server/sasl.js";
import { Store } from "../src/server/store.js";
import { scramVariant } from "../src/xmpp/sasl.js";
import { saltedPassword, verifyClientProof, type ScramHash } from "../src/xmpp/scram.js";
import { PLUS_VECTOR, SHA512_VECTOR } from "./scram-vectors.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

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
    const server = new ScramServer(accounts, "example.com", { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    expect(server.step(CLIENT_FIRST)).to.deep.equal({ kind: "challenge", data: SERVER_FIRST });
    expect(server.step(CLIENT_FINAL)).to.deep.equal({ kind: "success", username: "user", data: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" });
  });

  it("rejects a wrong proof, a changed nonce and an unknown user", () => {
    const wrong = new ScramServer(accounts, "example.com", { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    wrong.step(CLIENT_FIRST);
    expect(wrong.step(CLIENT_FINAL.replace("p=v0X8", "p=AAAA"))).to.deep.equal({ kind: "failure", condition: "not-authorized" });
    const nonce = new ScramServer(accounts, "example.com", { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    nonce.step(CLIENT_FIRST);
    expect(nonce.step(CLIENT_FINAL.replace("Vs7j,", "Vs7k,"))).to.deep.equal({ kind: "failure", condition: "malformed-request" });
    const unknown = new ScramServer(accounts, "example.com", { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    expect(unknown.step("n,,n=nobody,r=fyko+d2lbbFgONRv9qkxdawL").kind).to.equal("challenge");
    expect(unknown.step(CLIENT_FINAL).kind).to.equal("failure");
  });
});

// RFC 7677 section 3.
const SALT_256 = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
const SERVER_NONCE_256 = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

/** Accounts holding user/pencil with RFC 7677's salt for every hash. */
const vectorAccounts = {
  checkPassword: (u: string, p: string) => u === "user" && p === "pencil",
  scramCredentials: (u: string, hash: ScramHash) => (u === "user" ? scramCredentials("pencil", SALT_256, 4096, hash) : undefined),
};

describe("server SCRAM-SHA-256 (RFC 7677 section 3 test vector) and SCRAM-SHA-512", () => {
  it("runs the whole SCRAM-SHA-256 exchange of the vector", () => {
    const server = startSasl("SCRAM-SHA-256", vectorAccounts, "example.com", { nonce: () => SERVER_NONCE_256 });
    expect(server.step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")).to.deep.equal({
      kind: "challenge",
      data: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    });
    expect(server.step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")).to.deep.equal({
      kind: "success",
      username: "user",
      data: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    });
  });

  it("runs the SCRAM-SHA-512 exchange computed independently", () => {
    const server = startSasl("SCRAM-SHA-512", vectorAccounts, "example.com", { nonce: () => SERVER_NONCE_256 });
    expect(server.step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")).to.deep.equal({ kind: "challenge", data: SHA512_VECTOR.serverFirst });
    expect(server.step(SHA512_VECTOR.clientFinal)).to.deep.equal({ kind: "success", username: "user", data: SHA512_VECTOR.serverFinal });
  });

  it("agrees with the harness client on every mechanism, with random nonces and salts", () => {
    const accounts = new Store();
    accounts.addUser("alice", "pässword,=1");
    const cb = randomBytes(32);
    for (const mechanism of MECHANISMS) {
      const variant = scramVariant(mechanism);
      const client = variant ? scram(mechanism, "alice", "pässword,=1", variant.plus ? { channelBinding: cb } : {}) : plain("alice", "pässword,=1");
      const server = startSasl(mechanism, accounts, "localhost", { channelBinding: cb, offeredPlus: true });
      let step = server.step(unb64(client.initial));
      if (step.kind === "challenge") step = server.step(unb64(client.respond(b64(step.data))));
      expect(step.kind, mechanism).to.equal("success");
      if (step.kind === "success" && step.data) client.verifySuccess(b64(step.data));
      const wrong = variant ? scram(mechanism, "alice", "wrong", variant.plus ? { channelBinding: cb } : {}) : plain("alice", "wrong");
      const refusing = startSasl(mechanism, accounts, "localhost", { channelBinding: cb, offeredPlus: true });
      let failed = refusing.step(unb64(wrong.initial));
      if (failed.kind === "challenge") failed = refusing.step(unb64(wrong.respond(b64(failed.data))));
      expect(failed, mechanism).to.deep.equal({ kind: "failure", condition: "not-authorized" });
    }
  });

  it("derives each hash's credentials once, on first use", () => {
    const store = new Store();
    store.addUser("bob", "pw");
    const first = store.scramCredentials("bob", "sha256");
    expect(first?.storedKey.length).to.equal(32);
    expect(store.scramCredentials("bob", "sha256")).to.equal(first);
    expect(store.scramCredentials("bob", "sha512")?.storedKey.length).to.equal(64);
    expect(store.scramCredentials("nobody", "sha512")).to.equal(undefined);
  });
});

describe("server SCRAM channel binding (RFC 5802 section 6, RFC 9266)", () => {
  const exchange = (mechanism: Mechanism, opts: { channelBinding?: Buffer; offeredPlus?: boolean }) =>
    startSasl(mechanism, vectorAccounts, "example.com", { ...opts, nonce: () => SERVER_NONCE_256 });

  it("runs the SCRAM-SHA-256-PLUS exchange with the connection's tls-exporter data", () => {
    const server = exchange("SCRAM-SHA-256-PLUS", { channelBinding: PLUS_VECTOR.channelBinding, offeredPlus: true });
    expect(server.step(PLUS_VECTOR.clientFirst)).to.deep.equal({ kind: "challenge", data: PLUS_VECTOR.serverFirst });
    expect(server.step(PLUS_VECTOR.clientFinal)).to.deep.equal({ kind: "success", username: "user", data: PLUS_VECTOR.serverFinal });
  });

  it("refuses binding data of another connection: a man in the middle", () => {
    const server = exchange("SCRAM-SHA-256-PLUS", { channelBinding: Buffer.alloc(32, 7), offeredPlus: true });
    expect(server.step(PLUS_VECTOR.clientFirst).kind).to.equal("challenge");
    expect(server.step(PLUS_VECTOR.clientFinal)).to.deep.equal({ kind: "failure", condition: "not-authorized" });
  });

  it("refuses a -PLUS mechanism without p=tls-exporter, another binding type, and p= with a mechanism that does not bind", () => {
    const cb = { channelBinding: PLUS_VECTOR.channelBinding, offeredPlus: true };
    expect(exchange("SCRAM-SHA-256-PLUS", cb).step("n,,n=user,r=abc")).to.deep.equal({ kind: "failure", condition: "malformed-request" });
    expect(exchange("SCRAM-SHA-256-PLUS", cb).step("p=tls-unique,,n=user,r=abc")).to.deep.equal({ kind: "failure", condition: "malformed-request" });
    expect(exchange("SCRAM-SHA-256-PLUS", {}).step("p=tls-exporter,,n=user,r=abc")).to.deep.equal({ kind: "failure", condition: "malformed-request" });
    expect(exchange("SCRAM-SHA-256", cb).step("p=tls-exporter,,n=user,r=abc")).to.deep.equal({ kind: "failure", condition: "malformed-request" });
  });

  it("fails a client flagging y when this stream offered -PLUS, and accepts it when it did not", () => {
    expect(exchange("SCRAM-SHA-256", { channelBinding: PLUS_VECTOR.channelBinding, offeredPlus: true }).step("y,,n=user,r=abc")).to.deep.equal({
      kind: "failure",
      condition: "not-authorized",
    });
    const accepting = exchange("SCRAM-SHA-256", { offeredPlus: false });
    expect(accepting.step("y,,n=user,r=rOprNGfwEbeRWgbNEkqO").kind).to.equal("challenge");
    const client = scram("SCRAM-SHA-256", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO", flag: "y" });
    expect(accepting.step(unb64(client.respond(b64(PLUS_VECTOR.serverFirst)))).kind).to.equal("success");
  });

  it("checks the GS2 header again in c=: a client cannot switch from y to n", () => {
    const server = exchange("SCRAM-SHA-256", { offeredPlus: false });
    server.step("y,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    const client = scram("SCRAM-SHA-256", "user", "pencil", { nonce: "rOprNGfwEbeRWgbNEkqO" });
    expect(server.step(unb64(client.respond(b64(PLUS_VECTOR.serverFirst))))).to.deep.equal({ kind: "failure", condition: "malformed-request" });
  });
});

describe("server SASL configuration", () => {
  it("keeps the configured mechanisms in order of strength and refuses unknown names", () => {
    expect(checkMechanisms(["PLAIN", "SCRAM-SHA-256"])).to.deep.equal(["SCRAM-SHA-256", "PLAIN"]);
    expect(() => checkMechanisms(["SCRAM-SHA-1", "DIGEST-MD5"])).to.throw(/unknown SASL mechanism "DIGEST-MD5" \(known: SCRAM-SHA-512-PLUS,/);
    expect(() => checkMechanisms([])).to.throw(/no SASL mechanism/);
  });
});
