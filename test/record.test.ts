// `record`: a proxy that writes live c2s traffic as a scansion script. A session of
// three clients (two resources of one account, one of them over STARTTLS terminated by
// the proxy) is recorded against the embedded server; the script names its actors,
// leaves nonzas out, turns JIDs into variables and volatile values into
// {scansion:any}, and replays green against a fresh embedded server.
import { expect } from "chai";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { TestClient } from "../src/harness/client.js";
import { Transcript } from "../src/harness/transcript.js";
import { startProxy, relayedFeatures } from "../src/record/proxy.js";
import { Recording } from "../src/record/recording.js";
import { parseScript } from "../src/scripts/parse.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { iq, message, ping, presence, sm } from "../src/xmpp/builders.js";
import { parseXml, xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { cli, tempDir } from "./cli-process.js";

const ALICE = { username: "alice", password: "password" };
const BOB = { username: "bob", password: "password" };

describe("record", function () {
  this.timeout(30_000);
  let server: RunningServer;
  let dir: string;
  // A fresh server for each recording: the replay starts from nothing too.
  beforeEach(async () => {
    server = await startServer({ host: "127.0.0.1", port: 0, domain: "localhost", users: [ALICE, BOB] });
    dir = tempDir("xc-record-");
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The session: Alice (plain, with Stream Management), Bob over the proxy's STARTTLS, Alice's phone. */
  async function session(port: number): Promise<void> {
    const transcript = new Transcript();
    const via = { host: "127.0.0.1", port, domain: "localhost", tls: "plain" as const, insecure: false };
    const alice = await TestClient.connect(via, ALICE, { resource: "balcony", transcript });
    await alice.send(sm.enable());
    await alice.expect({ name: "enabled", xmlns: NS.sm3 });
    await alice.send(presence());
    await alice.expect({ name: "presence" });
    const bob = await TestClient.connect({ ...via, tls: "starttls", insecure: true }, BOB, { transcript });
    expect(bob.encrypted).to.equal(true);
    await bob.send(message(alice.jid!, "Hello", { id: "m1", type: "chat" }));
    await alice.expect({ name: "message" });
    const phone = await TestClient.connect(via, ALICE, { resource: "phone", transcript });
    await phone.send(presence());
    await phone.expect({ name: "presence", attrs: { from: phone.jid! } });
    await phone.expect({ name: "presence", attrs: { from: alice.jid! } });
    await alice.expect({ name: "presence", attrs: { from: phone.jid! } });
    await phone.iq(ping("localhost"));
    // A roster push: its id is the server's.
    await phone.iq(iq("get", {}, xml("query", { xmlns: NS.roster })));
    await phone.send(iq("set", { id: "add1" }, xml("query", { xmlns: NS.roster }, xml("item", { jid: "bob@localhost" }))));
    await phone.expect({ name: "iq", attrs: { type: "set" } });
    await phone.expect({ name: "iq", attrs: { id: "add1" } });
    await alice.send(sm.r());
    await alice.expect({ name: "a", xmlns: NS.sm3 });
    for (const c of [phone, bob, alice]) await c.close();
  }

  it("writes a script that names its actors, leaves nonzas out and uses variables and {scansion:any}", async () => {
    const recording = new Recording();
    const proxy = await startProxy({ port: 0, target: { host: server.host, port: server.port }, recording, log: () => {} });
    try {
      await session(proxy.port);
    } finally {
      await proxy.stop();
    }
    const text = recording.script(`${server.host}:${server.port}`);
    const script = parseScript(text, "recorded.scs");
    // Each actor binds the resource it had (the server's choice for Bob).
    expect(script.actors.map((a) => [a.name, a.jid, a.kind === "client" && /^(balcony|phone|[0-9a-f]{12})$/.test(a.resource ?? "")])).to.deep.equal([
      ["Romeo", "alice@localhost", true],
      ["Juliet", "bob@localhost", true],
      ["Romeo's phone", "alice@localhost", true],
    ]);
    expect(text).to.not.match(/urn:xmpp:sm|<bind|starttls|mechanism/);
    expect(text).to.include('Juliet sends:\n\t<message to="${Romeo\'s full JID}" type="chat" id="m1">\n\t\t<body>Hello</body>\n\t</message>');
    expect(text).to.include('Romeo receives:\n\t<message type="chat" id="m1" from="${Juliet\'s full JID}">');
    // The ping's id was the client's: kept; the answer's `to`, the receiver's own JID: left out.
    expect(text).to.match(/Romeo's phone receives:\n\t<iq type="result" id="iq-[^"]+" from="localhost"\/>/);
    expect(text).to.match(/\t<iq type="set" id="\{scansion:any\}">\n\t\t<query xmlns="jabber:iq:roster">\n\t\t\t<item jid="\$\{Juliet's JID\}" subscription="none"\/>/);
    expect(script.actions.map((a) => `${a.actor} ${a.kind}`).filter((a) => /connects|disconnects/.test(a))).to.deep.equal([
      "Romeo connects", "Juliet connects", "Romeo's phone connects", "Romeo's phone disconnects", "Juliet disconnects", "Romeo disconnects",
    ]);
  });

  it("records through the CLI and the script replays green against a fresh embedded server", async () => {
    const out = join(dir, "session.scs");
    const { spawn } = await import("node:child_process");
    const { CLI } = await import("./cli-process.js");
    const child = spawn(process.execPath, [CLI, "record", "--listen", "0", "--target", `${server.host}:${server.port}`, "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        err += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`record exited ${code}: ${err}`)));
    });
    await session(port);
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).to.equal(0);
    const { code, stdout } = await cli("script", out, "--reports", join(dir, "reports"));
    expect(code, stdout).to.equal(0);
    expect(stdout).to.match(/PASS {2}.*session\.scs: Recorded session/);
  });

  it("relays the target's features without channel binding, with its own STARTTLS only before encryption", () => {
    const features = parseXml(
      `<stream:features xmlns:stream='${NS.stream}'><starttls xmlns='${NS.tls}'><required/></starttls><mechanisms xmlns='${NS.sasl}'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms><sasl-channel-binding xmlns='${NS.saslChannelBinding}'><channel-binding type='tls-exporter'/></sasl-channel-binding></stream:features>`,
    );
    expect(relayedFeatures(features, false).toString()).to.equal(`<stream:features xmlns:stream="${NS.stream}"><mechanisms xmlns="${NS.sasl}"><mechanism>SCRAM-SHA-256</mechanism></mechanisms><starttls xmlns="${NS.tls}"/></stream:features>`);
    expect(relayedFeatures(features, true).toString()).to.not.include("starttls");
    const bound = xml("stream:features", {}, xml("bind", { xmlns: NS.bind }));
    expect(relayedFeatures(bound, false).toString()).to.not.include("starttls");
  });
});

describe("record command: bad input", () => {
  it("refuses a bad port and an unreachable target in one line, exit 2", async () => {
    for (const [args, pattern] of [
      [["--listen", "70000", "--target", "127.0.0.1:5222"], /--listen: expected a port number/],
      [["--listen", "0", "--target", "127.0.0.1:1"], /--target 127.0.0.1:1: cannot connect/],
    ] as const) {
      const { code, stderr } = await cli("record", ...args);
      expect(code).to.equal(2);
      expect(stderr.trim().split("\n")).to.have.length(1);
      expect(stderr).to.match(pattern);
    }
  });
});
