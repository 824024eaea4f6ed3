// The harness as a remote XMPP server, for tests of federation (S2S, XEP-0220 dialback).
// PeerListener lives for the whole run: one address the target routes the peer's domain
// to, accepting the streams the target opens. TestPeer is one test's use of it: it
// opens the peer's own streams to the target (one, with dialback, for `send`; raw ones
// for tests of the target's dialback), reads what arrives on the target's streams, and
// closes everything when the test ends, so the next test starts with fresh streams,
// fresh dialback and fresh features. Tests needing the peer take turns (the scheduler).
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { makeCertificate } from "../xmpp/certificate.js";
import type { DiscoInfoData } from "../xmpp/caps.js";
import { ping } from "../xmpp/builders.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { Violation } from "../verdict/verdict.js";
import { shown } from "./actor.js";
import { InboundStream, type InboundHost, type KeyVerdict, type ReceivedKey } from "./peer-inbound.js";
import { answerPeerQuery, peerCaps, peerInfo } from "./peer-info.js";
import { OutboundStream } from "./peer-outbound.js";
import { Party, type Responder } from "./party.js";
import { ConnectError } from "./errors.js";
import { Transcript } from "./transcript.js";

/** Where the target accepts S2S streams, and its domain. */
export interface PeerTarget {
  host: string;
  port: number;
  domain: string;
}

/** What a test asks of the peer. */
export interface PeerOptions {
  /** Advertise urn:xmpp:rsf:0 (XEP-0351) in the peer's caps and disco#info. */
  rsf?: boolean;
  /** Offer urn:xmpp:sm:3 in the features of the streams the target opens to the peer. */
  sm?: boolean;
}

export class PeerListener implements InboundHost {
  /** The peer's dialback secret, made for this run. */
  readonly secret = randomBytes(16).toString("hex");
  /** Where the peer opens its streams; set once known (the embedded server starts after the peer). */
  target?: PeerTarget;
  private session?: TestPeer;
  private readonly inbound = new Set<InboundStream>();
  private accepted = 0;
  private opened = 0;

  private constructor(
    readonly domain: string,
    readonly address: { host: string; port: number },
    readonly tls: SecureContext,
    private readonly server: Server,
  ) {}

  /** Listens on host:port (0: an ephemeral port) with a self-signed certificate for STARTTLS made now. */
  static async start(opts: { domain: string; host: string; port: number; target?: PeerTarget }): Promise<PeerListener> {
    const cert = await makeCertificate(opts.domain);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : opts.port;
    const listener = new PeerListener(opts.domain, { host: opts.host, port }, createSecureContext(cert), server);
    listener.target = opts.target;
    server.on("connection", (socket: Socket) => listener.accept(socket));
    return listener;
  }

  private accept(socket: Socket): void {
    const stream = new InboundStream(socket, `peer-in#${++this.accepted}`, this);
    this.inbound.add(stream);
    this.session?.adopt(stream);
  }

  /** Starts a test's use of the peer; one at a time. */
  begin(opts: PeerOptions, transcript: Transcript, timeoutMs: number): TestPeer {
    if (!this.target) throw new Error("the peer has no target to open streams to");
    if (this.session) throw new Error("the S2S peer is in use by another test");
    const peer = new TestPeer(this, this.target, opts, transcript, timeoutMs);
    this.session = peer;
    for (const s of this.inbound) peer.adopt(s);
    return peer;
  }

  /** Ends a test's use of the peer: streams still open record nowhere until the next test adopts them. */
  release(peer: TestPeer): void {
    if (this.session !== peer) return;
    this.session = undefined;
    for (const s of this.inbound) s.follow(undefined);
  }

  /**
   * Whether the target federates with the peer: a ping from the peer's domain, sent on
   * the peer's stream once dialback passed, is answered on a stream the target opened.
   */
  async probe(timeoutMs: number): Promise<{ federates: boolean; error?: string }> {
    if (!this.target) return { federates: false, error: "the target has no S2S port for the peer to connect to" };
    const peer = this.begin({}, new Transcript(), timeoutMs);
    try {
      await peer.barrier();
      return { federates: true };
    } catch (err) {
      // An answer on the peer's own stream is federation all the same, against the grain of DB-06: its test fails there, the others run.
      if (peer.answeredOnOwnStream()) return { federates: true };
      const why = err instanceof Violation ? `expected ${err.expected}; received ${err.received.split("; ")[0]}` : (err as Error).message;
      const never = peer.inbound.length === 0 ? `; the target never connected to the peer at ${this.address.host}:${this.address.port} (it must route ${this.domain} there)` : "";
      return { federates: false, error: why + (err instanceof ConnectError ? "" : never) };
    } finally {
      await peer.close();
      this.release(peer);
    }
  }

  nextOutboundLabel(): string {
    return `peer-out#${++this.opened}`;
  }

  openInbound(): InboundStream[] {
    return [...this.inbound].filter((s) => s.open);
  }

  async stop(): Promise<void> {
    for (const s of this.inbound) s.kill();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // InboundHost: what the streams the target opens ask of the test using the peer.
  transcript(): Transcript | undefined {
    return this.session?.transcript;
  }

  features(): Element[] {
    return this.session?.streamFeatures() ?? [peerCaps(peerInfo({}))];
  }

  holdingAcks(): boolean {
    return this.session?.acksHeld ?? false;
  }

  holdingVerifies(): boolean {
    return this.session?.verifiesHeld ?? false;
  }

  holdingResults(): boolean {
    return this.session?.resultsHeld ?? false;
  }

  resultVerdict(): KeyVerdict {
    return this.session?.resultsAs ?? "valid";
  }

  failingVerifies(): boolean {
    return this.session?.verifiesFail ?? false;
  }

  keyReceived(stream: InboundStream): void {
    this.session?.keyReceived(stream);
  }

  stanza(el: Element, stream: InboundStream): void {
    this.session?.receive(el, stream);
  }

  gone(stream: InboundStream): void {
    this.inbound.delete(stream);
  }
}

function domainOf(jid: string): string {
  const bare = jid.split("/")[0]!;
  return bare.slice(bare.indexOf("@") + 1);
}

export class TestPeer extends Party {
  /** The peer's disco#info: what its caps hash and its answers say. */
  readonly info: DiscoInfoData;
  acksHeld = false;
  verifiesHeld = false;
  resultsHeld = false;
  resultsAs: KeyVerdict = "valid";
  verifiesFail = false;
  /** The target's streams to the peer this test has seen (open when it began, or opened since), in that order. */
  readonly inbound: InboundStream[] = [];
  /** Which inbound stream each stanza received came on. */
  private readonly arrivedOn = new WeakMap<Element, InboundStream>();
  private readonly outbound: OutboundStream[] = [];
  /** The stream `send` uses, and the dialback of each sending domain on it. */
  private main?: Promise<OutboundStream>;
  private current?: OutboundStream;
  private dialbacks = new Map<string, Promise<void>>();
  private keyWaiters: Array<() => void> = [];

  constructor(
    private readonly listener: PeerListener,
    readonly target: PeerTarget,
    readonly options: PeerOptions,
    transcript: Transcript,
    timeoutMs: number,
  ) {
    super({ transcript, timeoutMs });
    this.info = peerInfo(options);
  }

  /** The remote domain the peer plays. */
  get domain(): string {
    return this.listener.domain;
  }

  get targetDomain(): string {
    return this.target.domain;
  }

  /** "local@domain[/resource]" at the peer's domain. */
  jid(local: string, resource?: string): string {
    return `${local}@${this.domain}${resource ? `/${resource}` : ""}`;
  }

  /** The features of the streams the target opens to the peer. */
  streamFeatures(): Element[] {
    return [peerCaps(this.info), ...(this.options.sm ? [xml("sm", { xmlns: NS.sm3 })] : [])];
  }

  adopt(stream: InboundStream): void {
    this.inbound.push(stream);
    stream.follow(this.transcript);
  }

  keyReceived(_stream: InboundStream): void {
    for (const wake of this.keyWaiters.splice(0)) wake();
  }

  /**
   * The first key the target sent from `from` (its own domain by default) to the peer on
   * a stream it opened during this test, once it has come; fails `rule` after the timeout.
   */
  async keyFrom(from = this.targetDomain, rule = "expectation"): Promise<{ stream: InboundStream; key: ReceivedKey }> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      for (const stream of this.inbound) {
        const key = stream.keys.find((k) => k.from === from && k.to === this.domain);
        if (key) return { stream, key };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Violation(rule, `a db:result from ${from} to ${this.domain}`, `none within ${this.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.keyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A stanza arrived on a stream the target opened: automatic answers, then the inbox. */
  receive(el: Element, stream: InboundStream): void {
    this.arrivedOn.set(el, stream);
    const r = this.inbox.arrive(el);
    if (this.answered(el)) return;
    const builtIn = answerPeerQuery(el, this.domain, this.info);
    if (builtIn) {
      void this.send(builtIn).catch((err: unknown) => this.transcript.add("event", "peer", `answer not sent: ${(err as Error).message}`));
      return;
    }
    this.inbox.file(r);
  }

  /** The inbound stream a stanza this peer received came on. */
  streamOf(el: Element): InboundStream | undefined {
    return this.arrivedOn.get(el);
  }

  /** Answers matching stanzas from now on; a reply without 'from' is sent from the address the request was sent to. */
  override respond(responder: Responder): void {
    super.respond((el) => {
      const reply = responder(el);
      if (reply && !reply.attrs.from) reply.attrs.from = el.attrs.to;
      return reply;
    });
  }

  protected barrierJid(): string {
    return this.targetDomain;
  }

  protected override barrierPing(): Element {
    const p = ping(this.targetDomain);
    p.attrs.from = this.domain;
    return p;
  }

  /**
   * Waits for the answer to a ping from the peer to the target's domain: it comes on
   * the target's stream to the peer after everything the target sent on it before.
   * Returns, in order, the unread stanzas that came first.
   */
  barrier(): Promise<Element[]> {
    return this.drainUntilBarrier();
  }

  /** The <stream:features/> the target sent on the peer's stream (undefined before `open` or `send`). */
  get features(): Element | undefined {
    return this.current?.features;
  }

  /** The target's answering header on the peer's stream. */
  get targetHeader(): Element | undefined {
    return this.current?.header;
  }

  /** Whether an iq result came back on one of the peer's own streams rather than on one the target opened. */
  answeredOnOwnStream(): boolean {
    return this.outbound.some((s) => s.unread().some((el) => el.name === "iq" && el.attrs.type === "result"));
  }

  /** Opens the peer's stream to the target (if not open) and does dialback for the peer's domain on it. */
  async open(): Promise<OutboundStream> {
    return this.verified(this.domain);
  }

  /** Sends a stanza whose 'from' is at the peer's domain (or a subdomain), over the peer's stream, proving that domain first. */
  async send(data: Element | string): Promise<void> {
    if (typeof data === "string") throw new Error("peer.send takes a stanza element (it reads the sending domain from 'from')");
    const from = data.attrs.from;
    if (!from) throw new Error(`peer.send: the stanza has no 'from' (a JID at ${this.domain}): ${shown(data)}`);
    const stream = await this.verified(domainOf(from));
    await stream.send(data);
  }

  private async verified(domain: string): Promise<OutboundStream> {
    const stream = await this.mainStream();
    let done = this.dialbacks.get(domain);
    if (!done) {
      done = stream.dialback(domain, { rule: "DB-16" }).then((verdict) => {
        if (verdict.attrs.type !== "valid") throw new Violation("DB-16", `<db:result type='valid'/> for ${domain} (the peer's key is right)`, shown(verdict));
      });
      this.dialbacks.set(domain, done);
    }
    await done;
    return stream;
  }

  /** The stream `send` uses: a new one once the last is closed. */
  private mainStream(): Promise<OutboundStream> {
    if (this.main && this.current?.isOpen !== false) return this.main;
    this.dialbacks = new Map();
    this.current = undefined;
    this.main = this.openStream().then((s) => (this.current = s));
    this.main.catch(() => (this.main = undefined));
    return this.main;
  }

  /**
   * Opens a stream of the peer's to the target without dialback (by default from the
   * peer's domain to the target's), for a test to drive by hand; closed with the test.
   */
  async openStream(opts: { from?: string; to?: string } = {}): Promise<OutboundStream> {
    const stream = await OutboundStream.open({
      host: this.target.host,
      port: this.target.port,
      from: opts.from ?? this.domain,
      to: opts.to ?? this.targetDomain,
      secret: this.listener.secret,
      label: this.listener.nextOutboundLabel(),
      transcript: this.transcript,
      timeoutMs: this.timeoutMs,
    });
    this.outbound.push(stream);
    return stream;
  }

  /** The newest stream the target opened to the peer from its own domain: whether it enabled SM there, and the stanzas counted since. */
  get inboundSm(): { enabled: boolean; received: number } {
    const stream = [...this.inbound].reverse().find((s) => s.from === this.targetDomain);
    return { enabled: stream?.sm.enabled ?? false, received: stream?.sm.received ?? 0 };
  }

  /** Stops (true) or resumes answering <r/> on the target's streams; resuming answers those held. */
  holdAcks(on: boolean): void {
    this.acksHeld = on;
    if (!on) for (const s of this.listener.openInbound()) s.releaseAck();
  }

  /** Stops (true) or resumes answering the target's db:verify; resuming answers those held. */
  holdVerifies(on: boolean): void {
    this.verifiesHeld = on;
    if (!on) for (const s of this.listener.openInbound()) s.releaseVerifies();
  }

  /** Stops (true) or resumes giving verdicts on the target's db:result, keeping its domain pair pending; resuming says valid to those held. */
  holdResults(on: boolean): void {
    this.resultsHeld = on;
    if (!on) for (const s of this.listener.openInbound()) s.releaseResults();
  }

  /** The verdict the peer gives, as Receiving Server, on the target's keys from now on. */
  judgeKeys(type: KeyVerdict): void {
    this.resultsAs = type;
  }

  /** Makes the peer, as Authoritative Server, answer the target's db:verify with a dialback error (true), or check the key again (false). */
  failVerifies(on: boolean): void {
    this.verifiesFail = on;
  }

  /** Ends the target's streams to the peer without a closing tag (TCP FIN); resolves once the target closed its side. */
  async dropIncoming(): Promise<void> {
    const closed = await Promise.all(this.listener.openInbound().map((s) => s.drop(this.timeoutMs)));
    if (closed.includes(false)) throw new Violation("RFC6120-close", "the target to close the connection after the peer's FIN", `still open after ${this.timeoutMs} ms`);
  }

  /** XEP-0198 on the peer's stream: <enable/> → the target's <enabled/> or <failed/>. */
  async enableSm(): Promise<Element> {
    return (await this.open()).enableSm();
  }

  /** <r/> on the peer's stream → the h of the target's <a/>. */
  async requestAck(): Promise<number> {
    return (await this.open()).requestAck();
  }

  /** Closes every stream of this test cleanly, both ways, and waits for the target's close. */
  async close(): Promise<void> {
    this.acksHeld = false;
    this.verifiesHeld = false;
    this.resultsHeld = false;
    this.resultsAs = "valid";
    this.verifiesFail = false;
    const inbound = this.listener.openInbound();
    for (const s of inbound) {
      s.releaseVerifies();
      s.releaseResults();
    }
    await Promise.all([...this.outbound.map((s) => s.close(this.timeoutMs)), ...inbound.map((s) => s.close(this.timeoutMs))]);
    this.main = undefined;
    this.current = undefined;
  }

  /** Drops every connection at once (the test ran out of time). */
  abort(): void {
    for (const s of this.outbound) s.kill();
    for (const s of this.listener.openInbound()) s.kill();
  }
}
