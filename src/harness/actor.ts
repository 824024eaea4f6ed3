// What every actor on one xmpp.js TCP connection has in common (a client, a component):
// a Party whose every write and read is recorded in a transcript (secrets redacted),
// whose inbox ends when the stream does, with kill and close.
import type ConnectionTCP from "@xmpp/connection-tcp";
import TLSWrapper from "@xmpp/tls/lib/Socket.js";
import type { Socket } from "node:net";
import { Element, isStanza } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { describe } from "../xmpp/match.js";
import { Violation } from "../verdict/verdict.js";
import { Party } from "./party.js";
import { redactXml, XmlRedactor } from "./redact.js";
import type { Transcript } from "./transcript.js";

export type { ExpectOptions } from "./inbox.js";
export type { Responder } from "./party.js";

let counter = 0;

export abstract class Actor extends Party {
  readonly label: string;
  /** The stream error the peer sent, if any. */
  streamError?: Element;
  /** True once the peer closed its stream (`</stream:stream>`) or the socket closed. */
  streamClosed = false;
  socketClosed = false;

  protected raw?: Socket;
  private closeWaiters: Array<() => void> = [];
  private killed = false;
  private closedCleanly = false;

  protected constructor(
    protected readonly conn: ConnectionTCP,
    opts: { label?: string; transcript?: Transcript; timeoutMs?: number },
  ) {
    super(opts);
    this.label = opts.label ?? `c${++counter}`;
    this.instrument();
  }

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
    const r = this.inbox.arrive(el);
    this.onReceived(el, isStanza(el));
    if (el.is("error", NS.stream)) this.streamError = el;
    if (!this.answered(el)) this.inbox.file(r);
  }

  private onClosed(what: "stream" | "socket"): void {
    if (what === "socket") this.socketClosed = true;
    if (this.streamClosed && what === "stream") return;
    this.streamClosed = true;
    this.transcript.add("event", this.label, what === "stream" ? "server closed the stream" : "socket closed");
    this.inbox.end(
      (matcher) => new Violation("stream", describe(matcher), `the ${what} closed first${this.streamErrorText()}`),
      () => `the stream was already closed${this.streamErrorText()}`,
    );
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
    this.inbox.rejectWaiters((matcher) => new Violation("harness", describe(matcher), "connection killed"));
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
export function shown(el: Element): string {
  return redactXml(el.toString());
}
