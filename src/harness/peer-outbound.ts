// A stream the harness's S2S peer opens to the target: the peer is its Initiating
// Server. It opens the stream, does STARTTLS when the target requires it, and proves
// each sending domain with dialback (XEP-0220 step 1, the key over the target's stream
// id). Tests use it raw, to send what a faulty or hostile peer would, and through
// TestPeer.send, which opens one and does dialback on first use.
import { createConnection, type Socket } from "node:net";
import { dialbackElement, dialbackKey, isDialback, s2sHeader } from "../xmpp/dialback.js";
import { isStanza, xml, type Element } from "../xmpp/element.js";
import { newId, sm } from "../xmpp/builders.js";
import { Matcher, describe, predicate } from "../xmpp/match.js";
import { NS } from "../xmpp/ns.js";
import { Violation } from "../verdict/verdict.js";
import { ConnectError, describeSocketError } from "./errors.js";
import { Inbox, type ExpectOptions } from "./inbox.js";
import { XmlStream } from "./xml-stream.js";
import type { Transcript } from "./transcript.js";
import { shown } from "./actor.js";

export interface OutboundOptions {
  host: string;
  port: number;
  /** The sending domain in the header. */
  from: string;
  /** The target domain in the header. */
  to: string;
  /** The peer's dialback secret. */
  secret: string;
  label: string;
  transcript: Transcript;
  timeoutMs: number;
}

export class OutboundStream {
  /** The target's answering header. */
  header?: Element;
  /** The <stream:features/> of the stream the dialback runs on (after STARTTLS, when done). */
  features?: Element;
  streamError?: Element;
  /** Sending domains the target accepted on this stream (db:result type='valid'). */
  readonly verified = new Set<string>();
  /**
   * XEP-0198 as the target must count: stanzas written since <enable/> (undefined before),
   * and how many had been when the last <r/> went.
   */
  readonly smSent: { sinceEnable?: number; atLastRequest?: number } = {};
  streamClosed = false;
  /** Set once the peer sent its closing tag. */
  private closing = false;
  private readonly inbox: Inbox;
  private readonly stream: XmlStream;
  private headerWaiter?: (el: Element | undefined) => void;
  private featuresWaiter?: (el: Element | undefined) => void;
  private closeWaiters: Array<() => void> = [];

  private constructor(
    socket: Socket,
    readonly opts: OutboundOptions,
  ) {
    this.inbox = new Inbox(opts.timeoutMs);
    this.stream = new XmlStream(socket, opts.label, { header: (el) => this.onHeader(el), element: (el) => this.onElement(el), closed: (how) => this.onClosed(how) }, opts.transcript);
  }

  /**
   * Connects and opens the stream: resolves once the target answered with a header and
   * then features, a stream error or the close (a test may expect the error, which
   * stays unread). STARTTLS is done when the features mark it required.
   */
  static async open(opts: OutboundOptions): Promise<OutboundStream> {
    const socket = await connect(opts.host, opts.port, opts.timeoutMs);
    const s = new OutboundStream(socket, opts);
    s.stream.note(`connected to ${opts.host}:${opts.port} as ${opts.from}`);
    try {
      await s.openStream();
      const starttls = s.features?.getChild("starttls", NS.tls);
      if (starttls?.getChild("required")) await s.startTls();
      return s;
    } catch (err) {
      s.kill();
      throw err;
    }
  }

  get label(): string {
    return this.opts.label;
  }

  /** The stream id the target issued: the one dialback keys are computed over. */
  get id(): string | undefined {
    return this.header?.attrs.id;
  }

  get secure(): boolean {
    return this.stream.secure;
  }

  get isOpen(): boolean {
    return !this.streamClosed;
  }

  /** The key the peer's Authoritative Server stands by for `from` → `to` on this stream. */
  key(from = this.opts.from, to = this.opts.to): string {
    return dialbackKey(this.opts.secret, to, from, this.id ?? "");
  }

  private async openStream(): Promise<void> {
    const header = new Promise<Element | undefined>((resolve) => (this.headerWaiter = resolve));
    const features = new Promise<Element | undefined>((resolve) => (this.featuresWaiter = resolve));
    await this.stream.write(s2sHeader({ from: this.opts.from, to: this.opts.to }));
    const timer = setTimeout(() => {
      this.headerWaiter?.(undefined);
      this.featuresWaiter?.(undefined);
    }, this.opts.timeoutMs);
    try {
      this.header = await header;
      if (!this.header) {
        throw new ConnectError("protocol", `${this.opts.host}:${this.opts.port} did not answer the S2S stream header of ${this.opts.from} within ${this.opts.timeoutMs} ms`);
      }
      this.features = await features;
    } finally {
      clearTimeout(timer);
      this.headerWaiter = this.featuresWaiter = undefined;
    }
  }

  private async startTls(): Promise<void> {
    await this.send(xml("starttls", { xmlns: NS.tls }));
    const answer = await this.expect(predicate("<proceed/> or <failure/> (STARTTLS)", (el) => el.getNS() === NS.tls));
    if (answer.name !== "proceed") throw new ConnectError("tls", `STARTTLS refused: ${shown(answer)}`);
    try {
      await this.stream.startTlsClient(this.opts.to);
    } catch (err) {
      throw new ConnectError("tls", `TLS handshake with ${this.opts.host}:${this.opts.port} failed: ${describeSocketError(err)}`);
    }
    this.header = undefined;
    this.features = undefined;
    await this.openStream();
  }

  private onHeader(el: Element): void {
    this.headerWaiter?.(el);
    this.headerWaiter = undefined;
  }

  private onElement(el: Element): void {
    if (el.is("features", NS.stream) && this.featuresWaiter) {
      this.featuresWaiter(el);
      return;
    }
    if (el.is("error", NS.stream)) {
      this.streamError = el;
      this.featuresWaiter?.(undefined);
    }
    this.inbox.file(this.inbox.arrive(el));
  }

  private onClosed(how: "stream" | "socket"): void {
    if (!this.streamClosed) {
      this.streamClosed = true;
      if (how === "stream") this.stream.note("the target closed the stream");
      const error = this.streamError ? ` after stream error ${shown(this.streamError)}` : "";
      this.inbox.end(
        (matcher) => new Violation("stream", describe(matcher), `the ${how} closed first${error}`),
        () => `the stream was already closed${error}`,
      );
      this.headerWaiter?.(undefined);
      this.featuresWaiter?.(undefined);
    }
    if (how === "stream") this.endOwnSide();
    else for (const f of this.closeWaiters.splice(0)) f();
  }

  /** Writes an element or raw XML as is. */
  send(data: Element | string): Promise<void> {
    if (typeof data !== "string" && isStanza(data) && this.smSent.sinceEnable !== undefined) this.smSent.sinceEnable++;
    return this.stream.write(data);
  }

  /** Waits for the first element on this stream matching `matcher` and consumes it. */
  async expect(matcher: Matcher, opts: ExpectOptions = {}): Promise<Element> {
    return (await this.inbox.expect(matcher, opts)).el;
  }

  /** Elements received and not consumed, in arrival order. */
  unread(): Element[] {
    return this.inbox.unread();
  }

  /**
   * XEP-0220 step 1 for `from`: sends db:result with the key and returns the target's
   * verdict (db:result with a type), which it gives after checking the key with the
   * peer as Authoritative Server (or by other means).
   */
  async dialback(from = this.opts.from, opts: ExpectOptions = {}): Promise<Element> {
    const to = this.opts.to;
    await this.send(dialbackElement("result", { from, to }, this.key(from, to)));
    const verdict = await this.expect(
      predicate(`<db:result from='${to}' to='${from}' type=.../>`, (el) => isDialback(el, "result") && !!el.attrs.type && el.attrs.from === to && el.attrs.to === from),
      opts,
    );
    if (verdict.attrs.type === "valid") this.verified.add(from);
    return verdict;
  }

  /**
   * Proves that the target has read everything sent before on this stream, even before
   * any dialback: a db:verify it must answer as Authoritative Server on the same stream
   * (XEP-0220 2.2.2), with a key that is none of its own. Resolves with the answer, or
   * undefined when the stream ended first (the stream error says why).
   */
  async barrier(): Promise<Element | undefined> {
    const id = newId("barrier");
    await this.send(dialbackElement("verify", { from: this.opts.from, to: this.opts.to, id }, "0"));
    return this.expect(predicate(`the answer to the barrier <db:verify id='${id}'/>`, (el) => isDialback(el, "verify") && el.attrs.id === id), { rule: "DB-13" }).catch((err: unknown) => {
      if (this.streamClosed) return undefined;
      throw err;
    });
  }

  /** XEP-0198 on this stream: <enable/> → the target's <enabled/> or <failed/>. */
  async enableSm(): Promise<Element> {
    this.smSent.sinceEnable = 0;
    await this.send(sm.enable());
    return this.expect(predicate("<enabled/> or <failed/>", (el) => el.getNS() === NS.sm3 && (el.name === "enabled" || el.name === "failed")), { rule: "SM-30" });
  }

  /** <r/> → the h of the target's <a/>. */
  async requestAck(): Promise<number> {
    this.smSent.atLastRequest = this.smSent.sinceEnable;
    await this.send(sm.r());
    const a = await this.expect({ name: "a", xmlns: NS.sm3 }, { rule: "SM-30" });
    return Number(a.attrs.h);
  }

  /** Waits until the target closes the stream or the connection; false on timeout. */
  waitClosed(timeout = this.opts.timeoutMs): Promise<boolean> {
    if (this.stream.socketClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Closes the stream cleanly and waits for the target to close its side. */
  async close(timeout = this.opts.timeoutMs): Promise<void> {
    if (this.stream.socketClosed) return;
    if (!this.closing) {
      this.closing = true;
      await this.send("</stream:stream>").catch(() => undefined);
    }
    if (!(await this.waitClosed(timeout))) this.kill();
  }

  /** The target ended its stream: end ours, then the connection. */
  private endOwnSide(): void {
    if (!this.closing) this.send("</stream:stream>").catch(() => undefined);
    this.closing = true;
    this.stream.finish();
  }

  /** Drops the TCP connection at once. */
  kill(): void {
    this.stream.destroy();
  }
}

function connect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError("connect", `cannot connect to the S2S port ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(new ConnectError("connect", `cannot connect to the S2S port ${host}:${port}: ${describeSocketError(err)}`));
    });
  });
}
