import { expect } from "chai";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { startServer, type RunningServer } from "../src/server/index.js";
import { RawClient, STREAM_HEADER } from "./server-raw-client.js";

describe("server SM life cycle and TLS", function () {
  this.timeout(10000);
  let server: RunningServer;
  const clients: RawClient[] = [];
  const open = async () => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer({
      domain: "localhost",
      users: [{ username: "alice", password: "a" }, { username: "bob", password: "b" }],
      smQueueLimit: 4,
      directTls: true,
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.kill();
  });
  after(() => server.stop());

  async function enableResumable(c: RawClient, max: number): Promise<string> {
    c.send(`<enable xmlns='urn:xmpp:sm:3' resume='true' max='${max}'/>`);
    return (await c.expect(/<enabled [^>]*id="([^"]+)"/))[1]!;
  }

  it("bounces unacked messages to their sender when the window passes, then remembers h", async () => {
    const a = await open();
    await a.login("alice", "a", "expiring");
    const id = await enableResumable(a, 1);
    a.send("<presence/>");
    const b = await open();
    await b.login("bob", "b", "desk");
    b.send("<message to='alice@localhost/expiring' id='lost' type='chat'><body>are you there?</body></message>");
    await a.expect(/id="lost"/);
    a.kill();
    await b.expect(/<message type="error" id="lost"[^>]*><body>are you there\?<\/body>.*<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/, 3000);
    const late = await open();
    await late.login("alice", "a", false);
    late.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
    await late.expect(/<failed xmlns="urn:xmpp:sm:3" h="1"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/failed>/);
  });

  it("re-routes unacked messages to another resource with a delay stamp", async () => {
    const other = await open();
    await other.login("alice", "a", "other");
    other.send("<presence/>");
    const a = await open();
    await a.login("alice", "a", "leaving");
    await enableResumable(a, 1);
    a.send("<presence/>");
    const b = await open();
    await b.login("bob", "b", "desk2");
    b.send("<message to='alice@localhost/leaving' id='moved' type='chat'><body>hi</body></message>");
    await a.expect(/id="moved"/);
    a.kill();
    await other.expect(/<message [^>]*id="moved".*<delay xmlns="urn:xmpp:delay" stamp="[^"]+" from="localhost"\/><\/message>/, 3000);
  });

  it("forgets a cleanly closed session and ends it when the queue overflows", async () => {
    const a = await open();
    await a.login("alice", "a", "closing");
    const id = await enableResumable(a, 60);
    a.send("</stream:stream>");
    await a.expect(/<\/stream:stream>/);
    const again = await open();
    await again.login("alice", "a", false);
    again.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
    await again.expect(/<failed xmlns="urn:xmpp:sm:3"><item-not-found /);
    again.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    await again.expect(/<jid>/);
    again.send("<enable xmlns='urn:xmpp:sm:3'/>");
    await again.expect(/<enabled /);
    for (let i = 0; i < 5; i++) again.send(`<iq type='get' id='q${i}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await again.expect(/<resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  });

  it("refuses SM before bind and in a second namespace", async () => {
    const a = await open();
    await a.login("alice", "a", false);
    a.send("<enable xmlns='urn:xmpp:sm:3'/>");
    await a.expect(/<failed xmlns="urn:xmpp:sm:3"><unexpected-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/failed>/);
    a.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq><enable xmlns='urn:xmpp:sm:3'/><r xmlns='urn:xmpp:sm:2'/><enable xmlns='urn:xmpp:sm:3'/>");
    await a.expect(/<enabled xmlns="urn:xmpp:sm:3"/);
    await a.expect(/<failed xmlns="urn:xmpp:sm:2"><unexpected-request /);
    await a.expect(/<failed xmlns="urn:xmpp:sm:3"><unexpected-request /);
  });

  it("speaks the sm:1 draft: <r u/> echoed in <a h/>, server stanzas followed by <r u/>", async () => {
    const a = await open();
    await a.login("alice", "a", "old");
    a.send("<enable xmlns='urn:xmpp:sm:1' resume='true'/>");
    const id = (await a.expect(/<enabled xmlns="urn:xmpp:sm:1" id="([^"]+)" resume="true"\/>/))[1]!;
    a.send("<r xmlns='urn:xmpp:sm:1' u='7'/><iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq><iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
    await a.expect(/<a xmlns="urn:xmpp:sm:1" h="7"\/>/);
    await a.expect(/id="p1".*<r xmlns="urn:xmpp:sm:1" u="1"\/>.*id="p2".*<r xmlns="urn:xmpp:sm:1" u="2"\/>/);
    a.kill();
    const b = await open();
    await b.login("alice", "a", false);
    b.send(`<resume xmlns='urn:xmpp:sm:1' previd='${id}' h='1'/>`);
    await b.expect(new RegExp(`<resumed xmlns="urn:xmpp:sm:1" previd="${id}" h="7"/>.*id="p2".*<r xmlns="urn:xmpp:sm:1" u="2"/>`));
  });

  it("offers STARTTLS and serves direct TLS with the certificate it reports", async () => {
    const raw = netConnect(server.port, "127.0.0.1");
    raw.write(STREAM_HEADER());
    await readUntil(raw, "</stream:features>");
    raw.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await readUntil(raw, "<proceed");
    const c = { socket: raw };
    const secured = tlsConnect({ socket: c.socket, ca: server.certificatePem, servername: "localhost" });
    await new Promise<void>((resolve, reject) => secured.once("secureConnect", resolve).once("error", reject));
    secured.write(STREAM_HEADER());
    const features = await readUntil(secured, "</stream:features>");
    expect(features).to.contain("SCRAM-SHA-1").and.not.contain("starttls");
    secured.destroy();

    const direct = tlsConnect({ port: server.directTlsPort!, host: "127.0.0.1", ca: server.certificatePem, servername: "localhost" });
    await new Promise<void>((resolve, reject) => direct.once("secureConnect", resolve).once("error", reject));
    direct.write(STREAM_HEADER());
    const f2 = await readUntil(direct, "</stream:features>");
    expect(f2).to.contain("PLAIN").and.not.contain("starttls");
    direct.destroy();
  });
});

/** Reads until `marker` arrives, then stops listening (the socket may be handed to TLS next). */
function readUntil(socket: Socket, marker: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (!buf.includes(marker)) return;
      socket.off("data", onData);
      resolve(buf);
    };
    socket.on("data", onData);
  });
}
