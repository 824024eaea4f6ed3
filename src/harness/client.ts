// The test client: xmpp.js's TCP connection (framing, parser, stream restarts) driven
// step by step, with no automatic stream management or reconnect, so that tests can
// send any element at any stage and observe exactly what comes back.
import ConnectionTCP from "@xmpp/connection-tcp";
import TLSWrapper from "@xmpp/tls/lib/Socket.js";
import { upgrade } from "@xmpp/starttls/starttls.js";
import type { Socket } from "node:net";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { Element, isStanza, xml } from "../xmpp/element.js";
import { NS, SM_NAMESPACES, type SmNamespace } from "../xmpp/ns.js";
import { TLS_EXPORTER, scramVariant, tlsExporter } from "../xmpp/sasl.js";
import { bindRequest, newId, ping } from "../xmpp/builders.js";
import { Matcher, describe, match, predicate } from "../xmpp/match.js";
import { Violation } from "../verdict/verdict.js";
import { ConnectError, describeSocketError } from "./errors.js";
import { redactXml, XmlRedactor } from "./redact.js";
import { Mechanism, SaslExchange, chooseMechanism, plain, scram } from "./sasl.js";
import { plainAuthAllowed, type Account, type TargetProfile } from "./target.js";
import { Transcript } from "./transcript.js";

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

export interface ExpectOptions {
  timeout?: number;
  /** The rule a missing element violates; the verdict names it. */
  rule?: string;
}

interface Received {
  seq: number;
  el: Element;
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

interface Waiter {
  matcher: Matcher;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
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

let counter = 0;

export class TestClient {
  readonly label: string;
  readonly transcript: Transcript;
  /** Features of the last stream opened before authentication, and after it. */
  featuresPreAuth?: Element;
  featuresPostAuth?: Element;
  /** Full JID once bound. */
  jid?: string;
  /** Bare JID once authenticated. */
  bareJid?: string;
  /** The stream error the server sent, if any. */
  streamError?: Element;
  /** True once the server closed its stream (`</stream:stream>`) or the socket closed. */
  streamClosed = false;
  socketClosed = false;
  /** The account this connection authenticated as. */
  account?: Account;
  /** Stream Management as negotiated on this connection. */
  sm?: SmTrack;
  /** The SASL mechanism this connection authenticated with. */
  mechanism?: Mechanism;

  private readonly conn: C2sConnection;
  private raw?: Socket;
  private seq = 0;
  private inbox: Received[] = [];
  private readonly seqOf = new WeakMap<Element, number>();
  /** Arrival numbers of every stanza received, consumed or not. */
  private readonly stanzaSeqs: number[] = [];
  private waiters: Waiter[] = [];
  private closeWaiters: Array<() => void> = [];
  private killed = false;
  private closedCleanly = false;
  /** h of a <resume/> sent and not yet answered. */
  private resumeH?: number;
  private readonly timeoutMs: number;

  private constructor(readonly target: TargetProfile, opts: ConnectOptions) {
    this.label = opts.label ?? `c${++counter}`;
    this.transcript = opts.transcript ?? new Transcript();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    const service = `xmpp://${target.host}:${target.port}`;
    if (target.tls === "direct") {
      const c = new DirectTlsConnection({ domain: target.domain, service, timeout: this.timeoutMs });
      c.tlsOptions = { host: target.host, port: target.port, ...this.trust() };
      this.conn = c;
    } else {
      this.conn = new C2sConnection({ domain: target.domain, service, timeout: this.timeoutMs });
    }
    this.instrument();
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

  private trust(): ConnectionOptions {
    const t = this.target;
    return {
      servername: t.domain,
      rejectUnauthorized: !t.insecure,
      ...(t.caPem ? { ca: t.caPem } : {}),
    };
  }

  /**
   * Records every write and every chunk read, with passwords and SASL payloads redacted
   * (src/harness/redact.ts: one scanner per direction, since a chunk may end inside an
   * element), and routes parsed elements to the inbox.
   */
  private instrument(): void {
    const conn = this.conn;
    const redactOut = new XmlRedactor();
    const redactIn = new XmlRedactor();
    const write = conn.write.bind(conn);
    conn.write = async (data: string) => {
      if (this.killed) throw new Error(`${this.label}: connection was killed`);
      this.transcript.add("out", this.label, redactOut.push(data));
      return write(data);
    };
    const onData = conn._onData.bind(conn);
    conn._onData = (data: Buffer) => {
      this.transcript.add("in", this.label, redactIn.push(data.toString("utf8")));
      onData(data);
    };
    conn.on("element", (el: Element) => this.onElement(el));
    conn.on("error", (err: Error) => this.transcript.add("event", this.label, `error: ${err.message}`));
    conn.on("close", () => this.onClosed("stream"));
    conn.on("disconnect", () => this.onClosed("socket"));
  }

  private onElement(el: Element): void {
    const r = { seq: ++this.seq, el };
    this.seqOf.set(el, r.seq);
    if (isStanza(el)) {
      this.stanzaSeqs.push(r.seq);
      if (this.sm) this.sm.handled++;
    }
    this.trackSm(el);
    if (el.is("error", NS.stream)) this.streamError = el;
    const i = this.waiters.findIndex((w) => match(el, w.matcher).ok);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(r);
    } else {
      this.inbox.push(r);
    }
  }

  private trackSm(el: Element): void {
    const ns = el.getNS() as SmNamespace;
    if (!SM_NAMESPACES.includes(ns)) return;
    if (el.name === "enabled") {
      this.sm = { id: el.attrs.id, ns, resumable: el.attrs.resume === "true" || el.attrs.resume === "1", handled: 0 };
    } else if (el.name === "resumed") {
      this.sm = { id: el.attrs.previd, ns, resumable: true, handled: this.resumeH ?? 0 };
    }
  }

  /** Notes the h of an outgoing <resume/>: it becomes this connection's count if resumed. */
  private noteOutgoing(items: Array<Element | string>): void {
    for (const item of items) {
      if (typeof item !== "string" && item.name === "resume" && SM_NAMESPACES.includes(item.getNS() as SmNamespace)) {
        this.resumeH = Number(item.attrs.h ?? 0) || 0;
      }
    }
  }

  private onClosed(what: "stream" | "socket"): void {
    if (what === "socket") this.socketClosed = true;
    if (this.streamClosed && what === "stream") return;
    this.streamClosed = true;
    this.transcript.add("event", this.label, what === "stream" ? "server closed the stream" : "socket closed");
    for (const w of this.waiters.splice(0)) {
      w.reject(new Violation("stream", describe(w.matcher), `the ${what} closed first${this.streamErrorText()}`));
    }
    for (const f of this.closeWaiters.splice(0)) f();
  }

  private streamErrorText(): string {
    return this.streamError ? ` after stream error ${shown(this.streamError)}` : "";
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

  private rawSocket(): Socket | undefined {
    const s = this.conn.socket as unknown as { socket?: Socket } & Socket;
    return s instanceof TLSWrapper ? (s as unknown as { socket: Socket }).socket : s;
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
      const tlsSocket = await upgrade(this.conn.socket as unknown as Socket, { host: this.target.host, ...this.trust() });
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

  /** Writes an element or raw XML as is. */
  async send(data: Element | string): Promise<void> {
    this.noteOutgoing([data]);
    await this.conn.write(String(data));
  }

  /** Writes several elements in one TCP write. */
  async sendPipelined(items: Array<Element | string>): Promise<void> {
    this.noteOutgoing(items);
    await this.conn.write(items.map(String).join(""));
  }

  /** Sends an iq and waits for its result or error. */
  async iq(request: Element, opts: ExpectOptions = {}): Promise<Element> {
    request.attrs.id ??= newId("iq");
    const id = request.attrs.id;
    await this.send(request);
    return this.expect(
      predicate(`the answer to iq '${id}'`, (el) => el.name === "iq" && el.attrs.id === id && (el.attrs.type === "result" || el.attrs.type === "error")),
      opts,
    );
  }

  /**
   * Waits for the first element matching `matcher` (one that already arrived and
   * was not consumed, or the next to arrive) and consumes it.
   */
  expect(matcher: Matcher, opts: ExpectOptions = {}): Promise<Element> {
    return this.expectReceived(matcher, opts).then((r) => r.el);
  }

  private expectReceived(matcher: Matcher, opts: ExpectOptions = {}): Promise<Received> {
    const i = this.inbox.findIndex((r) => match(r.el, matcher).ok);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    const rule = opts.rule ?? "expectation";
    if (this.streamClosed) {
      return Promise.reject(new Violation(rule, describe(matcher), `the stream was already closed${this.streamErrorText()}; ${this.unconsumedText()}`));
    }
    const timeout = opts.timeout ?? this.timeoutMs;
    return new Promise<Received>((resolve, reject) => {
      const waiter: Waiter = {
        matcher,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e instanceof Violation ? new Violation(rule, e.expected, `${e.received}; ${this.unconsumedText()}`) : e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Violation(rule, describe(matcher), `nothing matching within ${timeout} ms; ${this.unconsumedText()}`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  private unconsumedText(): string {
    if (!this.inbox.length) return "nothing else unread";
    return `unread: ${this.inbox.map((r) => shown(r.el)).join(" ")}`;
  }

  /**
   * Sends a barrier iq (a ping to the server, or `barrier`) and waits for its answer;
   * returns, in order, every unread element that arrived before the answer.
   * Everything the server sent on this stream before answering comes first.
   */
  async drainUntilBarrier(barrier: Element = ping(this.target.domain), opts: ExpectOptions = {}): Promise<Element[]> {
    const answer = await this.expectReceivedIq(barrier, opts);
    const before = this.inbox.filter((r) => r.seq < answer.seq);
    this.inbox = this.inbox.filter((r) => r.seq > answer.seq);
    return before.map((r) => r.el);
  }

  private async expectReceivedIq(request: Element, opts: ExpectOptions): Promise<Received> {
    request.attrs.id ??= newId("barrier");
    const id = request.attrs.id;
    await this.send(request);
    return this.expectReceived(predicate(`the answer to the barrier iq '${id}'`, (el) => el.name === "iq" && el.attrs.id === id && el.attrs.type !== "get" && el.attrs.type !== "set"), {
      rule: opts.rule ?? "barrier",
      ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    });
  }

  /**
   * Proves absence without sleeping: sends a barrier that the server must answer
   * after anything it sent earlier, and fails if a matching element came first.
   */
  async expectNothing(matcher: Matcher, rule: string, barrier?: Element): Promise<void> {
    const answer = await this.expectReceivedIq(barrier ?? ping(this.target.domain), { rule });
    const offending = this.inbox.find((r) => r.seq < answer.seq && match(r.el, matcher).ok);
    if (offending) throw new Violation(rule, `no ${describe(matcher)}`, offending.el.toString());
  }

  /**
   * How many stanzas arrived after `el` (an element this client received): the
   * count a client reports as handled in XEP-0198 `h` when `el` is <enabled/>.
   */
  stanzasSince(el: Element): number {
    const from = this.seqOf.get(el);
    if (from === undefined) throw new Error(`${this.label}: element was not received on this connection`);
    return this.stanzaSeqs.filter((s) => s > from).length;
  }

  /** Elements received so far and not consumed, in arrival order (not consumed by this call). */
  unread(): Element[] {
    return this.inbox.map((r) => r.el);
  }

  /** Waits until the server closes the stream or the socket closes; false on timeout. */
  waitClosed(timeout = this.timeoutMs): Promise<boolean> {
    if (this.streamClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** True while the stream is open on both sides: nobody killed, closed or ended it. */
  get isOpen(): boolean {
    return !this.killed && !this.streamClosed;
  }

  /** True when the test dropped the TCP connection itself (kill), not by a clean close. */
  get dropped(): boolean {
    return this.killed && !this.closedCleanly;
  }

  /** Drops the TCP connection without a closing tag, as a network failure would. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.transcript.add("event", this.label, "killed (TCP dropped, no closing tag)");
    for (const w of this.waiters.splice(0)) w.reject(new Violation("harness", describe(w.matcher), "connection killed"));
    this.conn.removeAllListeners();
    this.conn.on("error", () => {});
    const s = this.conn.socket as unknown as { socket?: { destroy(): void }; destroy?: () => void } | null;
    s?.socket?.destroy();
    s?.destroy?.();
    this.raw?.destroy();
  }

  /** Closes the stream cleanly (`</stream:stream>`) and waits for the server to close too. */
  async close(timeout = this.timeoutMs): Promise<void> {
    if (this.killed) return;
    this.closedCleanly = true;
    if (!this.streamClosed) {
      try {
        await this.conn.write("</stream:stream>");
      } catch {
        // already closing: nothing to do
      }
      await this.waitClosed(timeout);
    }
    this.kill();
  }
}

/** An element as a message may quote it: without passwords or SASL payloads (src/harness/redact.ts). */
function shown(el: Element): string {
  return redactXml(el.toString());
}
