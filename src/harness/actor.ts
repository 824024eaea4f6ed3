// What every actor the harness plays has in common (a client, a component, later a
// remote server): an xmpp.js TCP connection whose every write and read is recorded in a
// transcript (secrets redacted), elements kept unread until a test expects them,
// barriers that prove absence, automatic answers a test registers, kill and close.
import type ConnectionTCP from "@xmpp/connection-tcp";
import TLSWrapper from "@xmpp/tls/lib/Socket.js";
import type { Socket } from "node:net";
import { Element, isStanza } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { newId, ping } from "../xmpp/builders.js";
import { Matcher, describe, match, predicate } from "../xmpp/match.js";
import { Violation } from "../verdict/verdict.js";
import { redactXml, XmlRedactor } from "./redact.js";
import { Transcript } from "./transcript.js";

export interface ExpectOptions {
  timeout?: number;
  /** The rule a missing element violates; the verdict names it. */
  rule?: string;
}

export interface Received {
  seq: number;
  el: Element;
}

interface Waiter {
  matcher: Matcher;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
}

/** Answers an element automatically (a disco#info query for caps); undefined lets it through. */
export type Responder = (el: Element) => Element | undefined;

let counter = 0;

export abstract class Actor {
  readonly label: string;
  readonly transcript: Transcript;
  /** The stream error the peer sent, if any. */
  streamError?: Element;
  /** True once the peer closed its stream (`</stream:stream>`) or the socket closed. */
  streamClosed = false;
  socketClosed = false;

  protected raw?: Socket;
  private seq = 0;
  private inbox: Received[] = [];
  private readonly seqOf = new WeakMap<Element, number>();
  /** Arrival numbers of every stanza received, consumed or not. */
  private readonly stanzaSeqs: number[] = [];
  private waiters: Waiter[] = [];
  private closeWaiters: Array<() => void> = [];
  private readonly responders: Responder[] = [];
  private killed = false;
  private closedCleanly = false;
  protected readonly timeoutMs: number;

  protected constructor(
    protected readonly conn: ConnectionTCP,
    opts: { label?: string; transcript?: Transcript; timeoutMs?: number },
  ) {
    this.label = opts.label ?? `c${++counter}`;
    this.transcript = opts.transcript ?? new Transcript();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.instrument();
  }

  /** The JID a barrier ping goes to: one that answers after everything sent before it. */
  protected abstract barrierJid(): string;

  /** What a subclass tracks of each element received (XEP-0198 state), before anyone reads it. */
  protected onReceived(_el: Element, _stanza: boolean): void {}

  /** What a subclass notes of what it writes (the h of a <resume/>). */
  protected noteOutgoing(_items: Array<Element | string>): void {}

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
    const stanza = isStanza(el);
    if (stanza) this.stanzaSeqs.push(r.seq);
    this.onReceived(el, stanza);
    if (el.is("error", NS.stream)) this.streamError = el;
    for (const responder of this.responders) {
      const reply = responder(el);
      if (reply) {
        void this.send(reply).catch(() => undefined);
        return;
      }
    }
    const i = this.waiters.findIndex((w) => match(el, w.matcher).ok);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(r);
    } else {
      this.inbox.push(r);
    }
  }

  /** Answers matching elements from now on, automatically; they never reach `expect`. */
  respond(responder: Responder): void {
    this.responders.push(responder);
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

  protected rawSocket(): Socket | undefined {
    const s = this.conn.socket as unknown as { socket?: Socket } & Socket;
    return s instanceof TLSWrapper ? (s as unknown as { socket: Socket }).socket : s;
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
  async drainUntilBarrier(barrier: Element = this.barrier(), opts: ExpectOptions = {}): Promise<Element[]> {
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
    const answer = await this.expectReceivedIq(barrier ?? this.barrier(), { rule });
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

  /** Unread elements that arrived before `el` (an element this actor received), in arrival order; not consumed. */
  unreadBefore(el: Element): Element[] {
    const at = this.seqOf.get(el);
    if (at === undefined) throw new Error(`${this.label}: element was not received on this connection`);
    return this.inbox.filter((r) => r.seq < at).map((r) => r.el);
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
    this.transcript.add("event", this.label, this.closedCleanly ? "socket closed after the stream" : "killed (TCP dropped, no closing tag)");
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

  /** A ping whose answer comes after everything the peer sent before it. */
  protected barrier(): Element {
    return ping(this.barrierJid());
  }
}

/** An element as a message may quote it: without passwords or SASL payloads (src/harness/redact.ts). */
export function shown(el: Element): string {
  return redactXml(el.toString());
}
