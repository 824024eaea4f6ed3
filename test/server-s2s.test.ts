// S2S on the reference server, two instances federating with each other: dialback in
// both directions (with and without STARTTLS), XEP-0198 on the streams, and what a
// client hears when a remote domain has no route, refuses the connection or never answers.
import { expect } from "chai";
import { createServer, type Server } from "node:net";
import { TestClient } from "../src/harness/client.js";
import type { TargetProfile } from "../src/harness/target.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { xml, type Element } from "../src/xmpp/element.js";
import { predicate } from "../src/xmpp/match.js";

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const profile = (s: RunningServer): TargetProfile => ({ host: "127.0.0.1", port: s.port, domain: s.domain, tls: "plain", insecure: true });
const chat = (to: string, body: string, id = "m1") => xml("message", { to, type: "chat", id }, xml("body", {}, body));
const message = predicate("a message", (e: Element) => e.name === "message");
const errorOf = (el: Element) => el.getChild("error")?.getChildElements()[0]?.name;

describe("server: S2S federation and dialback", function () {
  this.timeout(20000);
  const running: RunningServer[] = [];
  const clients: TestClient[] = [];
  const log: string[] = [];

  async function pair(tls: "off" | "optional"): Promise<[TestClient, TestClient]> {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await startServer({ domain: "a.example", port: 0, s2sPort: pa, tls, users: [{ username: "alice", password: "a" }], s2sRoutes: [{ domain: "b.example", host: "127.0.0.1", port: pb }], log: (l) => log.push(`a ${l}`) });
    const b = await startServer({ domain: "b.example", port: 0, s2sPort: pb, tls, users: [{ username: "bob", password: "b" }], s2sRoutes: [{ domain: "a.example", host: "127.0.0.1", port: pa }], log: (l) => log.push(`b ${l}`) });
    running.push(a, b);
    const alice = await TestClient.connect(profile(a), { username: "alice", password: "a" }, { resource: "r" });
    const bob = await TestClient.connect(profile(b), { username: "bob", password: "b" }, { resource: "r" });
    clients.push(alice, bob);
    return [alice, bob];
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.kill();
    await Promise.all(running.splice(0).map((s) => s.stop()));
    log.length = 0;
  });

  for (const tls of ["off", "optional"] as const) {
    it(`messages cross both ways after dialback in each direction (TLS ${tls})`, async () => {
      const [alice, bob] = await pair(tls);
      await alice.send(chat("bob@b.example/r", "hi bob"));
      const got = await bob.expect(message);
      expect(got.attrs.from).to.equal("alice@a.example/r");
      await bob.send(chat("alice@a.example/r", "hi alice"));
      expect((await alice.expect(message)).getChildText("body")).to.equal("hi alice");
      expect(log.some((l) => /s2sin#\d+ >> <db:result from="b.example" to="a.example" type="valid"\/>/.test(l))).to.equal(true);
      expect(log.some((l) => /<db:verify [^>]*type="valid"/.test(l))).to.equal(true);
      if (tls === "optional") expect(log.some((l) => /s2sout#\d+ >> <starttls/.test(l))).to.equal(true);
    });
  }

  it("acknowledges S2S stanzas with XEP-0198 when the receiving side offers it", async () => {
    const [alice, bob] = await pair("off");
    await alice.send(chat("bob@b.example/r", "one"));
    await alice.send(chat("bob@b.example/r", "two", "m2"));
    await bob.expect(message);
    await bob.expect(message);
    // The ack travels between the servers, after the delivery the client saw: wait for it in the log.
    const acked = () => log.some((l) => /s2sin#\d+ >> <a xmlns="urn:xmpp:sm:3" h="2"\/>/.test(l));
    for (let i = 0; i < 100 && !acked(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(acked()).to.equal(true);
    // b's own stream to a carries stanzas too (its caps query, XEP-0351), and enables SM on its own.
    expect(log.filter((l) => /^a s2sout#\d+ >> <enable xmlns="urn:xmpp:sm:3"\/>/.test(l))).to.have.length(1);
  });

  it("bounces remote-server-not-found for an unrouted domain and for a route nobody listens at", async () => {
    const dead = await freePort();
    const server = await startServer({ domain: "a.example", port: 0, users: [{ username: "alice", password: "a" }], s2sRoutes: [{ domain: "dead.example", host: "127.0.0.1", port: dead }] });
    running.push(server);
    const alice = await TestClient.connect(profile(server), { username: "alice", password: "a" }, { resource: "r" });
    clients.push(alice);
    for (const to of ["x@nowhere.example", "x@dead.example"]) {
      await alice.send(chat(to, "?"));
      const bounce = await alice.expect(message);
      expect([bounce.attrs.type, errorOf(bounce)]).to.deep.equal(["error", "remote-server-not-found"]);
    }
  });

  it("bounces remote-server-timeout when the remote server never opens its stream", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const server = await startServer({ domain: "a.example", port: 0, users: [{ username: "alice", password: "a" }], s2sRoutes: [{ domain: "mute.example", host: "127.0.0.1", port }], s2sTimeoutMs: 300 });
      running.push(server);
      const alice = await TestClient.connect(profile(server), { username: "alice", password: "a" }, { resource: "r" });
      clients.push(alice);
      await alice.send(chat("x@mute.example", "?"));
      expect(errorOf(await alice.expect(message))).to.equal("remote-server-timeout");
    } finally {
      silent.close();
    }
  });

  it("refuses routes to its own domains", async () => {
    let error: Error | undefined;
    await startServer({ domain: "a.example", port: 0, s2sRoutes: [{ domain: "pubsub.a.example", host: "127.0.0.1", port: 5269 }] }).then((s) => running.push(s), (e: Error) => (error = e));
    expect(error?.message).to.match(/served here/);
  });
});
