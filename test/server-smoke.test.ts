import { expect } from "chai";
import { startServer, type RunningServer } from "../src/server/index.js";
import { RawClient, STREAM_HEADER } from "./server-raw-client.js";

describe("server smoke (raw sockets)", function () {
  this.timeout(10000);
  let server: RunningServer;
  const clients: RawClient[] = [];
  const open = async () => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer({ domain: "localhost", users: [{ username: "alice", password: "a" }, { username: "bob", password: "b" }], smMax: 60 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.kill();
  });
  after(() => server.stop());

  it("answers a stream header with its own header and pre-auth features", async () => {
    const c = await open();
    c.send(STREAM_HEADER());
    await c.expect(/<stream:stream [^>]*from='localhost'[^>]*>/);
    const f = await c.expect(/<stream:features>(.*?)<\/stream:features>/);
    expect(f[1]).to.contain("<mechanism>PLAIN</mechanism>").and.contain("<mechanism>SCRAM-SHA-1</mechanism>").and.contain("starttls");
    expect(f[1]).not.to.contain("urn:xmpp:sm:3");
  });

  it("closes a malformed stream with not-well-formed and keeps serving others", async () => {
    const bad = await open();
    bad.send(STREAM_HEADER());
    await bad.expect(/<\/stream:features>/);
    bad.send("<message><body></message>");
    await bad.expect(/<stream:error><not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:error><\/stream:stream>/);
    await bad.waitClosed();
    const good = await open();
    await good.login("alice", "a");
  });

  it("closes an oversized stanza with policy-violation and keeps serving others", async () => {
    const big = await open();
    await big.login("alice", "a");
    big.send(`<message to='bob@localhost'><body>${"x".repeat(300_000)}</body></message>`);
    await big.expect(/<stream:error><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/);
    await big.waitClosed();
    const good = await open();
    await good.login("bob", "b");
  });

  it("answers an unknown top-level element with unsupported-stanza-type", async () => {
    const c = await open();
    await c.login("alice", "a");
    c.send("<query xmlns='jabber:iq:roster'/>");
    await c.expect(/<stream:error><unsupported-stanza-type xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/);
    await c.waitClosed();
  });

  it("rejects a wrong host and a wrong stream namespace", async () => {
    const host = await open();
    host.send(STREAM_HEADER("elsewhere.example"));
    await host.expect(/<host-unknown /);
    await host.waitClosed();
    const ns = await open();
    ns.send("<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong' to='localhost' version='1.0'>");
    await ns.expect(/<invalid-namespace /);
  });

  it("refuses stanzas before authentication with not-authorized", async () => {
    const c = await open();
    c.send(STREAM_HEADER());
    await c.expect(/<\/stream:features>/);
    c.send("<message to='bob@localhost'><body>x</body></message>");
    await c.expect(/<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  });

  it("keeps the stream open after a failed SASL attempt", async () => {
    const c = await open();
    c.send(STREAM_HEADER());
    await c.expect(/<\/stream:features>/);
    c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from("\0alice\0wrong").toString("base64")}</auth>`);
    await c.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/><\/failure>/);
    c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from("\0alice\0a").toString("base64")}</auth>`);
    await c.expect(/<success/);
  });

  it("counts a stanza pipelined after <enable/> and answers <r/> at once", async () => {
    const c = await open();
    await c.login("alice", "a", "pipe");
    c.send("<enable xmlns='urn:xmpp:sm:3'/><message to='bob@localhost' type='headline'><body>x</body></message><active xmlns='urn:xmpp:csi:0'/> <r xmlns='urn:xmpp:sm:3'/>");
    await c.expect(/<enabled xmlns="urn:xmpp:sm:3" id="[^"]+"\/>/);
    await c.expect(/<a xmlns="urn:xmpp:sm:3" h="1"\/>/);
  });

  it("resumes a dropped session, retransmitting unacked stanzas, without presence flapping", async () => {
    const a = await open();
    await a.login("alice", "a", "phone");
    a.send("<enable xmlns='urn:xmpp:sm:3' resume='true' max='30'/>");
    const id = (await a.expect(/<enabled xmlns="urn:xmpp:sm:3" id="([^"]+)" resume="true" max="30"\/>/))[1]!;
    a.send("<presence/><iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
    await a.expect(/id="p1"/);
    const b = await open();
    await b.login("bob", "b", "desk");
    b.send("<message to='alice@localhost/phone' id='m1'><body>one</body></message>");
    await a.expect(/id="m1"/);
    a.send("<a xmlns='urn:xmpp:sm:3' h='2'/>");
    b.send("<message to='alice@localhost/phone' id='m2'><body>two</body></message>");
    await a.expect(/id="m2"/);
    a.kill();
    b.send("<message to='alice@localhost/phone' id='m3'><body>three</body></message><presence/>");
    const a2 = await open();
    await a2.login("alice", "a", false);
    a2.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='2'/>`);
    await a2.expect(new RegExp(`<resumed xmlns="urn:xmpp:sm:3" previd="${id}" h="2"/>`));
    await a2.expect(/id="m2".*id="m3"/);
    a2.send("<r xmlns='urn:xmpp:sm:3'/>");
    await a2.expect(/<a xmlns="urn:xmpp:sm:3" h="2"\/>/);
    expect(b.buffer).not.to.contain("unavailable");
  });

  it("refuses to resume another account's session and leaves it alone", async () => {
    const a = await open();
    await a.login("alice", "a", "tablet");
    a.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const id = (await a.expect(/<enabled [^>]*id="([^"]+)"/))[1]!;
    const b = await open();
    await b.login("bob", "b", false);
    b.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
    await b.expect(/<failed xmlns="urn:xmpp:sm:3"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/failed>/);
    a.send("<r xmlns='urn:xmpp:sm:3'/>");
    await a.expect(/<a xmlns="urn:xmpp:sm:3" h="0"\/>/);
    b.send("<iq type='set' id='b2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    await b.expect(/<jid>bob@localhost\//);
  });

  it("closes with handled-count-too-high when an ack exceeds what was sent", async () => {
    const a = await open();
    await a.login("alice", "a", "laptop");
    a.send("<enable xmlns='urn:xmpp:sm:3'/><iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
    await a.expect(/id="p"/);
    a.send("<a xmlns='urn:xmpp:sm:3' h='6'/>");
    await a.expect(/<undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<handled-count-too-high xmlns="urn:xmpp:sm:3" h="6" send-count="1"\/>/);
    await a.waitClosed();
  });
});

describe("server faults", function () {
  this.timeout(10000);

  it("rejects unknown fault names, listing the known ones", async () => {
    let error: Error | undefined;
    try {
      await startServer({ domain: "localhost", faults: ["sm.nope"] });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.contain("sm.nope").and.contain("sm.ack-off-by-one");
  });

  it("sm.ack-off-by-one reports one more than was handled", async () => {
    const server = await startServer({ domain: "localhost", users: [{ username: "u", password: "p" }], faults: ["sm.ack-off-by-one"] });
    const c = await RawClient.open(server.port);
    try {
      await c.login("u", "p");
      c.send("<enable xmlns='urn:xmpp:sm:3'/><r xmlns='urn:xmpp:sm:3'/>");
      await c.expect(/<a xmlns="urn:xmpp:sm:3" h="1"\/>/);
      expect([...server.faults]).to.deep.equal(["sm.ack-off-by-one"]);
    } finally {
      c.kill();
      await server.stop();
    }
  });
});
