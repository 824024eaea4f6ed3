import { expect } from "chai";
import { connect } from "node:net";
import { startServer, type RunningServer } from "../src/server/index.js";
import { RawClient, STREAM_HEADER } from "./server-raw-client.js";

const streamErrorOf = (condition: string) =>
  new RegExp(`<stream:stream [^>]*>.*<stream:error><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>.*</stream:error></stream:stream>`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds, so a test waits for the server's side of a close. */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await sleep(5);
  }
}

describe("server connection limits", function () {
  this.timeout(15_000);
  let server: RunningServer | undefined;
  const clients: RawClient[] = [];
  const open = async () => {
    const c = await RawClient.open(server!.port);
    clients.push(c);
    return c;
  };
  const users = [{ username: "alice", password: "a" }];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.kill();
    await server?.stop();
    server = undefined;
  });

  describe("handshake deadline", () => {
    const DEADLINE_MS = 300;

    it("closes a connection that sends nothing with connection-timeout", async () => {
      server = await startServer({ domain: "localhost", handshakeTimeoutMs: DEADLINE_MS });
      const c = await open();
      const started = Date.now();
      await c.expect(streamErrorOf("connection-timeout"), 2000);
      await c.waitClosed();
      expect(Date.now() - started).to.be.within(DEADLINE_MS - 50, DEADLINE_MS + 1000);
      await eventually(() => server!.load().connections === 0);
    });

    it("counts from TCP accept, so a peer that stalls in SASL is closed too", async () => {
      server = await startServer({ domain: "localhost", users, handshakeTimeoutMs: DEADLINE_MS });
      const c = await open();
      c.send(STREAM_HEADER());
      await c.expect(/<\/stream:features>/);
      c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'/>");
      await c.expect(/<challenge/);
      await c.expect(/<stream:error><connection-timeout [^>]*\/><text [^>]*>not authenticated in time<\/text><\/stream:error><\/stream:stream>/, 2000);
    });

    it("leaves an authenticated connection alone however long it idles", async () => {
      server = await startServer({ domain: "localhost", users, handshakeTimeoutMs: DEADLINE_MS });
      const c = await open();
      await c.login("alice", "a", "idle");
      await sleep(DEADLINE_MS * 3);
      c.send("<iq type='get' id='still'><ping xmlns='urn:xmpp:ping'/></iq>");
      await c.expect(/<iq [^>]*id="still"[^>]*type="result"|<iq [^>]*type="result"[^>]*id="still"/);
      expect(server.load()).to.deep.equal({ connections: 1, handshakes: 0 });
    });

    it("lets a dropped Stream Management session hibernate past the deadline and resume", async () => {
      server = await startServer({ domain: "localhost", users, handshakeTimeoutMs: DEADLINE_MS, smMax: 30 });
      const a = await open();
      await a.login("alice", "a", "phone");
      a.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
      const id = (await a.expect(/<enabled [^>]*id="([^"]+)"/))[1]!;
      a.kill();
      await sleep(DEADLINE_MS * 3);
      const b = await open();
      await b.login("alice", "a", false);
      b.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
      await b.expect(/<resumed xmlns="urn:xmpp:sm:3"/);
    });

    it("covers the TLS handshake of the direct TLS port", async () => {
      server = await startServer({ domain: "localhost", directTls: true, handshakeTimeoutMs: DEADLINE_MS });
      const raw = connect(server.directTlsPort!, "127.0.0.1");
      raw.on("error", () => undefined);
      const closed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
      await eventually(() => server!.load().handshakes === 1);
      await closed;
      await eventually(() => server!.load().connections === 0);
      expect(server.load().handshakes).to.equal(0);
    });
  });

  describe("caps", () => {
    it("refuses a connection beyond --max-handshakes with resource-constraint and serves the others", async () => {
      server = await startServer({ domain: "localhost", users, maxHandshakes: 2, maxConnections: 3 });
      const a = await open();
      const b = await open();
      await eventually(() => server!.load().handshakes === 2);
      const refused = await open();
      await refused.expect(streamErrorOf("resource-constraint"));
      await refused.waitClosed();
      await a.login("alice", "a", "a");
      expect(server.load()).to.deep.equal({ connections: 2, handshakes: 1 });
      // One handshake slot is free again.
      const c = await open();
      c.send(STREAM_HEADER());
      await c.expect(/<\/stream:features>/);
      b.send(STREAM_HEADER());
      await b.expect(/<\/stream:features>/);
    });

    it("refuses a connection beyond --max-connections with resource-constraint until one closes", async () => {
      server = await startServer({ domain: "localhost", users, maxConnections: 2 });
      const a = await open();
      await a.login("alice", "a", "a");
      const b = await open();
      await b.login("alice", "a", "b");
      const refused = await open();
      await refused.expect(streamErrorOf("resource-constraint"));
      a.send("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
      await a.expect(/id="p"/);
      b.kill();
      await eventually(() => server!.load().connections === 1);
      const c = await open();
      await c.login("alice", "a", "c");
    });
  });
});
