// The reference server's SASL offer and channel binding on the wire: what it offers over
// plain TCP, TLS 1.2 and TLS 1.3, serve's mechanism list, and the RFC 5802 section 6
// flag rules over a real TLS connection.
import { expect } from "chai";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { scram, type Mechanism } from "../src/harness/sasl.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { tlsExporter } from "../src/xmpp/sasl.js";
import { RawClient, STREAM_HEADER } from "./server-raw-client.js";

const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** The <mechanism/> names of a features element, in order. */
const mechanismsOf = (features: string) => [...features.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1]);

describe("server SASL offer and channel binding (wire)", function () {
  this.timeout(10000);
  const servers: RunningServer[] = [];
  const clients: RawClient[] = [];
  let all: RunningServer;

  const start = async (sasl?: string[]) => {
    const s = await startServer({ domain: "localhost", users: [{ username: "alice", password: "pw" }], directTls: true, ...(sasl ? { sasl } : {}) });
    servers.push(s);
    return s;
  };

  /** Opens a stream in the clear and returns its features. */
  async function plainStream(server: RunningServer): Promise<{ c: RawClient; features: string }> {
    const c = await RawClient.open(server.port);
    clients.push(c);
    c.send(STREAM_HEADER());
    return { c, features: (await c.expect(/<stream:features>.*?<\/stream:features>/))[0] };
  }

  /** STARTTLS, then a stream over TLS; returns its features and the TLS socket. */
  async function tlsStream(server: RunningServer, tls: Partial<ConnectionOptions> = {}): Promise<{ c: RawClient; features: string; socket: TLSSocket }> {
    const raw = netConnect(server.port, "127.0.0.1");
    let buf = "";
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("</stream:features>") && !buf.includes("<proceed")) raw.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        if (!buf.includes("<proceed")) return;
        raw.off("data", onData);
        resolve();
      };
      raw.on("data", onData);
      raw.write(STREAM_HEADER());
    });
    const socket = tlsConnect({ socket: raw, ca: server.certificatePem, servername: "localhost", ...tls });
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    const c = RawClient.over(socket);
    clients.push(c);
    c.send(STREAM_HEADER());
    return { c, socket, features: (await c.expect(/<stream:features>.*?<\/stream:features>/))[0] };
  }

  /** Runs a SCRAM exchange built by the harness's client; returns the server's last answer. */
  async function login(c: RawClient, mechanism: Mechanism, opts: Parameters<typeof scram>[3], password = "pw"): Promise<string> {
    const ex = scram(mechanism, "alice", password, opts);
    c.send(`<auth xmlns='${SASL}' mechanism='${mechanism}'>${ex.initial}</auth>`);
    const first = await c.expect(/<(challenge|failure) [^>]*>(.*?)<\/\1>/);
    if (first[1] === "failure") return first[0];
    c.send(`<response xmlns='${SASL}'>${ex.respond(first[2]!)}</response>`);
    const last = await c.expect(/<success [^>]*>(.*?)<\/success>|<failure [^>]*>.*?<\/failure>/);
    if (last[0].startsWith("<success")) ex.verifySuccess(last[1]!);
    return last[0];
  }

  before(async () => {
    all = await start();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.kill();
  });
  after(() => Promise.all(servers.map((s) => s.stop())));

  it("offers every mechanism but the -PLUS ones in the clear, strongest first, with no XEP-0440 list", async () => {
    const { features } = await plainStream(all);
    expect(mechanismsOf(features)).to.deep.equal(["SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
    expect(features).not.to.contain("sasl-channel-binding");
  });

  it("offers the -PLUS mechanisms over TLS 1.3 and lists tls-exporter (XEP-0440)", async () => {
    const { features, socket } = await tlsStream(all);
    expect(socket.getProtocol()).to.equal("TLSv1.3");
    expect(mechanismsOf(features)).to.deep.equal([
      "SCRAM-SHA-512-PLUS",
      "SCRAM-SHA-256-PLUS",
      "SCRAM-SHA-1-PLUS",
      "SCRAM-SHA-512",
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "PLAIN",
    ]);
    expect(features).to.contain('<sasl-channel-binding xmlns="urn:xmpp:sasl-cb:0"><channel-binding type="tls-exporter"/></sasl-channel-binding>');
  });

  it("offers no -PLUS mechanism over TLS 1.2, where tls-exporter is not safe", async () => {
    const { features, socket } = await tlsStream(all, { maxVersion: "TLSv1.2" });
    expect(socket.getProtocol()).to.equal("TLSv1.2");
    expect(mechanismsOf(features)).to.deep.equal(["SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
    expect(features).not.to.contain("sasl-channel-binding");
  });

  it("offers the -PLUS mechanisms on its direct TLS port", async () => {
    const socket = tlsConnect({ port: all.directTlsPort!, host: "127.0.0.1", ca: all.certificatePem, servername: "localhost" });
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    const c = RawClient.over(socket);
    clients.push(c);
    c.send(STREAM_HEADER());
    const features = (await c.expect(/<stream:features>.*?<\/stream:features>/))[0];
    expect(mechanismsOf(features)[0]).to.equal("SCRAM-SHA-512-PLUS");
    expect(await login(c, "SCRAM-SHA-1-PLUS", { channelBinding: tlsExporter(socket)! })).to.match(/^<success/);
  });

  for (const mechanism of ["SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"] as const) {
    it(`${mechanism}: logs in with the connection's exporter`, async () => {
      const { c, socket } = await tlsStream(all);
      expect(await login(c, mechanism, { channelBinding: tlsExporter(socket)! })).to.match(/^<success/);
    });
  }

  it("fails -PLUS with the binding data of another connection, and a wrong password", async () => {
    const { c } = await tlsStream(all);
    const other = await tlsStream(all);
    expect(await login(c, "SCRAM-SHA-256-PLUS", { channelBinding: tlsExporter(other.socket)! })).to.equal(
      `<failure xmlns="${SASL}"><not-authorized/></failure>`,
    );
    expect(await login(c, "SCRAM-SHA-256-PLUS", { channelBinding: tlsExporter(other.socket)! }, "wrong")).to.contain("<not-authorized/>");
  });

  it("fails a client flagging y when the stream offered -PLUS (a downgrade), then lets it log in with n", async () => {
    const { c } = await tlsStream(all);
    expect(await login(c, "SCRAM-SHA-256", { flag: "y" })).to.equal(`<failure xmlns="${SASL}"><not-authorized/></failure>`);
    expect(await login(c, "SCRAM-SHA-256", { flag: "n" })).to.match(/^<success/);
  });

  it("refuses a -PLUS mechanism on a stream in the clear as one it does not offer", async () => {
    const { c } = await plainStream(all);
    c.send(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-256-PLUS'>${b64("p=tls-exporter,,n=alice,r=abc")}</auth>`);
    await c.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><invalid-mechanism\/><\/failure>/);
  });

  describe("sasl option (serve --sasl)", () => {
    it("offers only the configured mechanisms, and refuses the others", async () => {
      const some = await start(["SCRAM-SHA-1", "SCRAM-SHA-256"]);
      const { c, features } = await plainStream(some);
      expect(mechanismsOf(features)).to.deep.equal(["SCRAM-SHA-256", "SCRAM-SHA-1"]);
      c.send(`<auth xmlns='${SASL}' mechanism='PLAIN'>${b64("\0alice\0pw")}</auth>`);
      await c.expect(/<invalid-mechanism\/>/);
      c.send(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-512'>${b64("n,,n=alice,r=abc")}</auth>`);
      await c.expect(/<invalid-mechanism\/>/);
      expect(await login(c, "SCRAM-SHA-256", {})).to.match(/^<success/);
    });

    it("without -PLUS, lists no channel binding over TLS 1.3 and accepts a client flagging y", async () => {
      const some = await start(["SCRAM-SHA-512", "PLAIN"]);
      const { c, features } = await tlsStream(some);
      expect(mechanismsOf(features)).to.deep.equal(["SCRAM-SHA-512", "PLAIN"]);
      expect(features).not.to.contain("sasl-channel-binding");
      expect(await login(c, "SCRAM-SHA-512", { flag: "y" })).to.match(/^<success/);
    });

    it("with only -PLUS mechanisms, offers no SASL feature in the clear", async () => {
      const plus = await start(["SCRAM-SHA-256-PLUS"]);
      const { features } = await plainStream(plus);
      expect(features).to.contain("starttls");
      expect(features).not.to.contain("mechanisms");
      const secured = await tlsStream(plus);
      expect(mechanismsOf(secured.features)).to.deep.equal(["SCRAM-SHA-256-PLUS"]);
    });

    it("refuses unknown names when the server starts", async () => {
      let error: Error | undefined;
      await startServer({ domain: "localhost", sasl: ["SCRAM-SHA-1", "CRAM-MD5"] }).catch((e: Error) => (error = e));
      expect(error?.message).to.match(/unknown SASL mechanism "CRAM-MD5" \(known: SCRAM-SHA-512-PLUS, .*PLAIN\)/);
    });
  });
});
