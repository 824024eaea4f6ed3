// The test client: xmpp.js's TCP connection (framing, parser, stream restarts) driven
// step by step, with no automatic stream management or reconnect, so that tests can
// send any element at any stage and observe exactly what comes back.
import ConnectionTCP from "@xmpp/connection-tcp";
import TLSWrapper from "@xmpp/tls/lib/Socket.js";
import { upgrade } from "@xmpp/starttls/starttls.js";
import type { Socket } from "node:net";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { Element, xml } from "../xmpp/element.js";
import { NS, SM_NAMESPACES, type SmNamespace } from "../xmpp/ns.js";
import { TLS_EXPORTER, scramVariant, tlsExporter } from "../xmpp/sasl.js";
import { bindRequest } from "../xmpp/builders.js";
import { predicate } from "../xmpp/match.js";
import { Actor, shown } from "./actor.js";
import { ConnectError, describeSocketError } from "./errors.js";
import { Mechanism, SaslExchange, chooseMechanism, plain, scram } from "./sasl.js";
import { plainAuthAllowed, type Account, type TargetProfile } from "./target.js";
import type { Transcript } from "./transcript.js";

export type { ExpectOptions } from "./actor.js";

export type Stage = "opened" | "authenticated" | "bound";

export interface ConnectOptions {
  until?: Stage;
  resource?: string;
  label?: string;
  transcript?: Transcript;
  mechanism?: Mechanism;
  /** Default wait for `expect`, in ms. */
  timeoutMs?: number;
}

/**
 * The Stream Management session this connection serves, as the client sees it: what
 * the test context needs to end it cleanly (ack and close, or resume and close).
 */
export interface SmTrack {
  id: string | undefined;
  ns: SmNamespace;
  resumable: boolean;
  /** Stanzas handled since <enabled/>, or since the h given in a successful <resume/>. */
  handled: number;
}

/** A client-to-server stream: ConnectionTCP defaults to the streams namespace as the default one. */
class C2sConnection extends ConnectionTCP {}
C2sConnection.prototype.NS = NS.client;

/** Opens a TLS socket directly (XEP-0368 style) with our trust settings. */
class DirectTlsConnection extends C2sConnection {
  tlsOptions: ConnectionOptions = {};
  override socketParameters(): ConnectionOptions {
    return this.tlsOptions;
  }
}
DirectTlsConnection.prototype.Socket = TLSWrapper;

export class TestClient extends Actor {
  /** Features of the last stream opened before authentication, and after it. */
  featuresPreAuth?: Element;
  featuresPostAuth?: Element;
  /** Full JID once bound. */
  jid?: string;
  /** Bare JID once authenticated. */
  bareJid?: string;
  /** The account this connection authenticated as. */
  account?: Account;
  /** Stream Management as negotiated on this connection. */
  sm?: SmTrack;
  /** The SASL mechanism this connection authenticated with. */
  mechanism?: Mechanism;

  /** h of a <resume/> sent and not yet answered. */
  private resumeH?: number;

  private constructor(readonly target: TargetProfile, opts: ConnectOptions) {
    const service = `xmpp://${target.host}:${target.port}`;
    const timeout = opts.timeoutMs ?? 5000;
    let conn: C2sConnection;
    if (target.tls === "direct") {
      const c = new DirectTlsConnection({ domain: target.domain, service, timeout });
      c.tlsOptions = { host: target.host, port: target.port, ...trustOf(target) };
      conn = c;
    } else {
      conn = new C2sConnection({ domain: target.domain, service, timeout });
    }
    super(conn, opts);
  }

  /** Opens a stream to the target and goes as far as `until` (default: bound). */
  static async connect(target: TargetProfile, account: Account | undefined, opts: ConnectOptions = {}): Promise<TestClient> {
    const client = new TestClient(target, opts);
    try {
      await client.open();
      const until = opts.until ?? "bound";
      if (until === "opened") return client;
      if (!account) throw new ConnectError("protocol", "an account is needed to authenticate");
      await client.authenticate(account, opts.mechanism);
      if (until === "bound") await client.bind(opts.resource);
      return client;
    } catch (err) {
      client.kill();
      throw err;
    }
  }

  protected barrierJid(): string {
    return this.target.domain;
  }

  protected override onReceived(el: Element, stanza: boolean): void {
    if (stanza && this.sm) this.sm.handled++;
    const ns = el.getNS() as SmNamespace;
    if (!SM_NAMESPACES.includes(ns)) return;
    if (el.name === "enabled") {
      this.sm = { id: el.attrs.id, ns, resumable: el.attrs.resume === "true" || el.attrs.resume === "1", handled: 0 };
    } else if (el.name === "resumed") {
      this.sm = { id: el.attrs.previd, ns, resumable: true, handled: this.resumeH ?? 0 };
    }
  }

  /** Notes the h of an outgoing <resume/>: it becomes this connection's count if resumed. */
  protected override noteOutgoing(items: Array<Element | string>): void {
    for (const item of items) {
      if (typeof item !== "string" && item.name === "resume" && SM_NAMESPACES.includes(item.getNS() as SmNamespace)) {
        this.resumeH = Number(item.attrs.h ?? 0) || 0;
      }
    }
  }

  private async open(): Promise<void> {
    const { host, port } = this.target;
    try {
      await this.conn.connect(`xmpp://${host}:${port}`);
    } catch (err) {
      const kind = this.target.tls === "direct" && (err as NodeJS.ErrnoException).code === undefined ? "tls" : "connect";
      throw new ConnectError(kind, `cannot connect to ${host}:${port}: ${describeSocketError(err)}`);
    }
    this.raw = this.rawSocket();
    this.raw?.setNoDelay(true);
    this.transcript.add("event", this.label, `connected to ${host}:${port}${this.target.tls === "direct" ? " (direct TLS)" : ""}`);
    let features = await this.openInitialStream();
    if (this.target.tls === "starttls") {
      if (!features.getChild("starttls", NS.tls)) {
        throw new ConnectError("tls", `${this.target.domain} does not offer STARTTLS`);
      }
      await this.starttls();
      features = await this.openInitialStream();
    }
    this.featuresPreAuth = features;
  }

  private async openInitialStream(): Promise<Element> {
    try {
      return await this.openStream();
    } catch (err) {
      throw new ConnectError("protocol", `${this.target.domain} did not open a stream: ${(err as Error).message}`);
    }
  }

  /** The TLS socket under the stream, once TLS is established (direct TLS or STARTTLS). */
  private tlsSocket(): TLSSocket | undefined {
    const s = this.conn.socket as unknown;
    return s instanceof TLSWrapper ? ((s as unknown as { socket: TLSSocket | null }).socket ?? undefined) : undefined;
  }

  /** True once the stream runs over TLS. */
  get encrypted(): boolean {
    return this.tlsSocket() !== undefined;
  }

  /**
   * Opens (or restarts) the stream and returns the stream features. `pipeline` is
   * written in the same TCP write as the header (a client racing the server, e.g. a
   * restart + <resume/>). xmpp.js's own open() listens for the server's header only
   * after its write callback, which a fast TLS peer beats; waiting for the features
   * element instead has no such race.
   */
  async openStream(pipeline: Array<Element | string> = []): Promise<Element> {
    const conn = this.conn;
    if (conn.root) conn._detachParser();
    conn._attachParser(new (conn.Parser as new () => unknown)());
    const header = conn.headerElement();
    header.attrs.to = this.target.domain;
    conn.root = header;
    this.noteOutgoing(pipeline);
    await conn.write(conn.header(header) + pipeline.map(String).join(""));
    return this.expect({ name: "features", xmlns: NS.stream }, { rule: "RFC6120-features" });
  }

  async starttls(): Promise<void> {
    await this.send(xml("starttls", { xmlns: NS.tls }));
    const answer = await this.expect(predicate("<proceed/> or <failure/> (STARTTLS)", (el) => el.getNS() === NS.tls));
    if (answer.name !== "proceed") throw new ConnectError("tls", `STARTTLS refused: ${shown(answer)}`);
    try {
      const tlsSocket = await upgrade(this.conn.socket as unknown as Socket, { host: this.target.host, ...trustOf(this.target) });
      this.conn._attachSocket(tlsSocket);
    } catch (err) {
      throw new ConnectError("tls", `TLS handshake with ${this.target.host} failed: ${describeSocketError(err)}`);
    }
    this.transcript.add("event", this.label, "TLS established");
  }

  /**
   * SASL, then the stream restart. Without `mechanism`, the strongest one offered (see
   * chooseMechanism): a -PLUS one when the stream runs over TLS 1.3 and the server lists
   * tls-exporter among its channel-binding types (XEP-0440); PLAIN never over an
   * unencrypted stream to a host that is not loopback, unless the target allows it.
   * `pipeline` is written in the same TCP write as the restart header (a client racing
   * the server, e.g. restart + <resume/>).
   */
  async authenticate(account: Account, mechanism?: Mechanism, pipeline: Array<Element | string> = []): Promise<void> {
    const features = this.featuresPreAuth;
    const offered = (features?.getChild("mechanisms", NS.sasl)?.getChildren("mechanism") ?? []).map((m) => m.getText().trim());
    const cbTypes = (features?.getChild("sasl-channel-binding", NS.saslChannelBinding)?.getChildren("channel-binding") ?? []).map((c) => c.attrs.type);
    const cbData = tlsExporter(this.tlsSocket());
    const canBind = cbData !== undefined && cbTypes.includes(TLS_EXPORTER);
    const plainAllowed = plainAuthAllowed(this.target, this.encrypted);
    const choice = mechanism ?? chooseMechanism(offered, canBind, plainAllowed);
    if (choice === undefined || !offered.includes(choice)) {
      const wanted = choice ?? (offered.includes("PLAIN") ? "PLAIN" : "a mechanism this client knows");
      if (wanted === "PLAIN" && !plainAllowed) throw this.plainRefused();
      throw new ConnectError("auth", `${this.target.domain} does not offer SASL ${wanted} (offers: ${offered.join(", ") || "none"})`);
    }
    if (choice === "PLAIN" && !plainAllowed) throw this.plainRefused();
    const variant = scramVariant(choice);
    if (variant?.plus && cbData === undefined) {
      throw new ConnectError("auth", `${choice} needs ${TLS_EXPORTER} channel binding, which needs TLS 1.3 (use --tls starttls or direct)`);
    }
    // RFC 5802 section 6: `y` says "I could bind, but you offered no -PLUS"; a server that can bind then fails the login.
    const offersPlus = offered.some((m) => /-PLUS$/.test(m));
    const exchange: SaslExchange = !variant
      ? plain(account.username, account.password)
      : scram(choice, account.username, account.password, variant.plus ? { channelBinding: cbData! } : { flag: cbData !== undefined && !offersPlus ? "y" : "n" });
    await this.send(xml("auth", { xmlns: NS.sasl, mechanism: choice }, exchange.initial));
    for (;;) {
      const el = await this.expect(predicate("a SASL <challenge/>, <success/> or <failure/>", (e) => e.getNS() === NS.sasl));
      if (el.name === "challenge") {
        await this.send(xml("response", { xmlns: NS.sasl }, exchange.respond(el.getText())));
      } else if (el.name === "success") {
        exchange.verifySuccess(el.getText());
        break;
      } else {
        const condition = el.getChildElements()[0]?.name ?? el.name;
        throw new ConnectError("auth", `login refused for ${account.username}@${this.target.domain} (${choice}): ${condition}`);
      }
    }
    this.bareJid = `${account.username}@${this.target.domain}`;
    this.account = account;
    this.mechanism = choice;
    this.featuresPostAuth = await this.openStream(pipeline);
  }

  /** Only ever for a host that is not loopback: see plainAuthAllowed. */
  private plainRefused(): ConnectError {
    return new ConnectError(
      "auth",
      `refusing to send the password (SASL PLAIN) over an unencrypted stream to ${this.target.host}, which is not loopback: ` +
        "use --tls starttls or --tls direct, or allow it with --allow-plaintext-auth",
    );
  }

  async bind(resource?: string): Promise<string> {
    const res = await this.iq(bindRequest(resource));
    const jid = res.getChild("bind", NS.bind)?.getChildText("jid");
    if (res.attrs.type !== "result" || !jid) {
      throw new ConnectError("protocol", `resource binding failed: ${shown(res)}`);
    }
    this.jid = jid;
    return jid;
  }

}

/** TLS trust for a target: its CA or self-signed certificate, or none at all when insecure. */
function trustOf(t: TargetProfile): ConnectionOptions {
  return {
    servername: t.domain,
    rejectUnauthorized: !t.insecure,
    ...(t.caPem ? { ca: t.caPem } : {}),
  };
}
