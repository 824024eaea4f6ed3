// XEP-0114 on the reference server, over raw sockets: the accept handshake and its
// errors, routing both ways, invalid-from, a component that is not connected, and
// `serve --component`.
import { expect } from "chai";
import { handshakeDigest } from "../src/server/component-connection.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { parseXml } from "../src/xmpp/element.js";
import { serve } from "./cli-process.js";
import { RawClient, errorCondition } from "./server-raw-client.js";

const COMPONENT = "component.localhost";
const SECRET = "s3cret";

const header = (to: string, ns = "jabber:component:accept") =>
  `<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams' to='${to}'>`;

describe("server: XEP-0114 components", function () {
  this.timeout(10000);
  let server: RunningServer;
  const sockets: RawClient[] = [];
  const open = async (port: number) => {
    const c = await RawClient.open(port);
    sockets.push(c);
    return c;
  };

  /** Opens a component stream and completes the handshake; returns the stream id. */
  async function connectComponent(c: RawClient, secret = SECRET): Promise<string> {
    c.send(header(COMPONENT));
    const h = await c.expect(/<stream:stream [^>]*>/);
    const id = /id='([^']+)'/.exec(h[0])![1]!;
    c.send(`<handshake>${handshakeDigest(id, secret)}</handshake>`);
    return id;
  }

  beforeEach(async () => {
    server = await startServer({
      domain: "localhost",
      users: [{ username: "alice", password: "a" }],
      components: [{ name: COMPONENT, secret: SECRET }],
    });
  });
  afterEach(async () => {
    for (const c of sockets.splice(0)) c.kill();
    await server.stop();
  });

  it("computes the handshake as lowercase hex SHA-1 of the stream id and the secret", () => {
    expect(handshakeDigest("3BF96D32", "secret")).to.equal("b09ea9b3b7f586be8a08d0a3dd7466f110aeb136");
  });

  it("answers a configured name with a header in jabber:component:accept, then <handshake/>", async () => {
    const c = await open(server.componentPort!);
    c.send(header(COMPONENT));
    const h = await c.expect(/<stream:stream [^>]*>/);
    expect(h[0]).to.contain("xmlns='jabber:component:accept'").and.contain(`from='${COMPONENT}'`).and.match(/id='[0-9a-f]{24}'/);
    expect(h[0]).not.to.contain("version=");
    const id = /id='([^']+)'/.exec(h[0])![1]!;
    c.send(`<handshake>${handshakeDigest(id, SECRET)}</handshake>`);
    await c.expect(/^<handshake\/>$/);
  });

  it("closes a wrong handshake with not-authorized", async () => {
    const c = await open(server.componentPort!);
    await connectComponent(c, "wrong");
    await c.expect(/<stream:error><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:error><\/stream:stream>/);
    await c.waitClosed();
  });

  it("refuses an unknown name with host-unknown and a wrong namespace with invalid-namespace, each after its own header", async () => {
    const unknown = await open(server.componentPort!);
    unknown.send(header("nope.localhost"));
    await unknown.expect(/^<\?xml version='1.0'\?><stream:stream [^>]*><stream:error><host-unknown /);
    await unknown.waitClosed();
    const ns = await open(server.componentPort!);
    ns.send(header(COMPONENT, "jabber:component:bogus"));
    await ns.expect(/<stream:stream [^>]*><stream:error><invalid-namespace /);
    await ns.waitClosed();
  });

  it("refuses stanzas before the handshake with not-authorized", async () => {
    const c = await open(server.componentPort!);
    c.send(header(COMPONENT));
    await c.expect(/<stream:stream [^>]*>/);
    c.send(`<message from='${COMPONENT}' to='alice@localhost'><body>early</body></message>`);
    await c.expect(/<not-authorized /);
    await c.waitClosed();
  });

  it("refuses a second connection for a connected name with conflict, and keeps the first", async () => {
    const first = await open(server.componentPort!);
    await connectComponent(first);
    await first.expect(/<handshake\/>/);
    const second = await open(server.componentPort!);
    await connectComponent(second);
    await second.expect(/<stream:error><conflict /);
    await second.waitClosed();
    first.send(`<iq type='get' id='p1' from='${COMPONENT}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await first.expect(/<iq [^>]*id="p1"[^>]*type="result"|<iq [^>]*type="result"[^>]*id="p1"/);
  });

  it("routes stanzas for any JID at the component's domain to it, and its stanzas to clients, from unchanged", async () => {
    const comp = await open(server.componentPort!);
    await connectComponent(comp);
    await comp.expect(/<handshake\/>/);
    const alice = await open(server.port);
    await alice.login("alice", "a", "home");
    alice.send(`<message to='room@${COMPONENT}/nick' id='m1'><body>hi</body></message>`);
    const m = parseXml((await comp.expect(/<message [\s\S]*?<\/message>/))[0]);
    expect(m.attrs).to.include({ xmlns: "jabber:component:accept", from: "alice@localhost/home", to: `room@${COMPONENT}/nick` });
    comp.send(`<message from='bot@${COMPONENT}/r' to='alice@localhost/home' id='m2'><body>hello</body></message>`);
    const back = parseXml((await alice.expect(/<message [\s\S]*?<\/message>/))[0]);
    expect(back.attrs).to.include({ from: `bot@${COMPONENT}/r`, to: "alice@localhost/home" });
    expect(back.getChildText("body")).to.equal("hello");
  });

  it("answers the component's iq to the domain, and bounces a stanza without 'to' with bad-request", async () => {
    const comp = await open(server.componentPort!);
    await connectComponent(comp);
    await comp.expect(/<handshake\/>/);
    comp.send(`<iq type='get' id='d1' from='${COMPONENT}' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    await comp.expect(/<iq [^>]*type="result"[^>]*>[\s\S]*identity category="server"/);
    comp.send(`<message from='${COMPONENT}' id='m3'><body>nowhere</body></message>`);
    const err = parseXml((await comp.expect(/<message [^>]*type="error"[\s\S]*?<\/message>/))[0]);
    expect(errorCondition(err)).to.equal("bad-request");
  });

  it("ends the stream with invalid-from when a stanza is not from its domain", async () => {
    const comp = await open(server.componentPort!);
    await connectComponent(comp);
    await comp.expect(/<handshake\/>/);
    const alice = await open(server.port);
    await alice.login("alice", "a", "home");
    comp.send(`<message from='mallory@other.localhost' to='alice@localhost/home'><body>spoof</body></message>`);
    await comp.expect(/<stream:error><invalid-from /);
    await comp.waitClosed();
    const pong = await alice.ask((id) => `<iq type='get' id='${id}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect(pong.attrs.type).to.equal("result");
    expect(alice.buffer).not.to.contain("spoof");
  });

  it("bounces stanzas to a component that is not connected with service-unavailable; disco#items lists it only while connected", async () => {
    const alice = await open(server.port);
    await alice.login("alice", "a", "home");
    const items = () => alice.ask((id) => `<iq type='get' id='${id}' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
    const down = await alice.ask((id) => `<iq type='get' id='${id}' to='${COMPONENT}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect(errorCondition(down)).to.equal("service-unavailable");
    expect(down.getChild("error")!.attrs.type).to.equal("wait");
    expect((await items()).toString()).not.to.contain(COMPONENT);
    const comp = await open(server.componentPort!);
    await connectComponent(comp);
    await comp.expect(/<handshake\/>/);
    expect((await items()).getChild("query")!.getChildren("item").map((i) => i.attrs.jid)).to.include(COMPONENT);
    comp.send("</stream:stream>");
    await comp.waitClosed();
    expect((await items()).toString()).not.to.contain(COMPONENT);
  });

  it("serve --component NAME:SECRET listens for it on the port the listening line prints", async () => {
    const { child, line } = await serve("--port", "0", "--component", `${COMPONENT}:${SECRET}`);
    try {
      const port = Number(/component port (\d+) for component\.localhost/.exec(line)![1]);
      const c = await open(port);
      await connectComponent(c);
      await c.expect(/<handshake\/>/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
