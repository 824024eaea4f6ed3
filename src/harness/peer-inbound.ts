// A stream the target opened to the harness's S2S peer: the peer is its Receiving
// Server (it answers the target's db:result) and the Authoritative Server of its own
// domain (it answers the target's db:verify of a key the peer sent). Stanzas that come
// once the stream is up go to the test using the peer.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import { dialbackElement, dialbackError, dialbackFeature, dialbackKey, isDialback, s2sHeader } from "../xmpp/dialback.js";
import { isStanza, xml, type Element } from "../xmpp/element.js";
import { sm, streamError } from "../xmpp/builders.js";
import { NS } from "../xmpp/ns.js";
import { XmlStream } from "./xml-stream.js";
import type { Transcript } from "./transcript.js";

/** What the peer, as Receiving Server, says of the target's keys. */
export type KeyVerdict = "valid" | "invalid";

/** What an inbound stream needs from the peer that accepted it. */
export interface InboundHost {
  readonly domain: string;
  readonly secret: string;
  readonly tls: SecureContext;
  /** The transcript of the test using the peer now, if any. */
  transcript(): Transcript | undefined;
  /** Stream features the peer offers besides STARTTLS and dialback (caps, SM), as the test using it asked. */
  features(): Element[];
  /** True while the test holds back answers to <r/>. */
  holdingAcks(): boolean;
  /** True while the test holds back the peer's answers to db:verify. */
  holdingVerifies(): boolean;
  /** True while the test holds back the peer's verdicts on the target's db:result. */
  holdingResults(): boolean;
  /** The peer's verdict on the target's db:result, as the test asked (valid unless told). */
  resultVerdict(): KeyVerdict;
  /** True while the peer, as Authoritative Server, answers db:verify with a dialback error. */
  failingVerifies(): boolean;
  /** The target sent a key (db:result) on a stream it opened. */
  keyReceived(stream: InboundStream): void;
  /** A stanza arrived on a stream the target opened. */
  stanza(el: Element, stream: InboundStream): void;
  gone(stream: InboundStream): void;
}

/** A db:result the target sent: the key it computed over the stream id the peer issued. */
export interface ReceivedKey {
  from: string;
  to: string;
  key: string;
  streamId: string;
}

export class InboundStream {
  /** The target's stream headers, in order (a second one after STARTTLS). */
  readonly headers: Element[] = [];
  /** The stream id the peer issued last (a new one after STARTTLS). */
  id?: string;
  /** Every db:result request the target sent on this stream. */
  readonly keys: ReceivedKey[] = [];
  /** Every db:verify request the target sent on this stream, as Receiving Server checking a key of the peer's. */
  readonly verifies: Array<{ from: string; to: string; id: string }> = [];
  /** Whether the peer offered Stream Management on this stream, whether the target enabled it, and the stanzas counted since. */
  readonly sm = { offered: false, enabled: false, received: 0 };
  closedByTarget = false;
  /** Set once the peer sent its closing tag. */
  private closing = false;
  private readonly stream: XmlStream;
  private unansweredR = false;
  private readonly heldVerifies: Element[] = [];
  private readonly heldResults: Element[] = [];

  constructor(
    socket: Socket,
    label: string,
    private readonly host: InboundHost,
  ) {
    this.stream = new XmlStream(
      socket,
      label,
      { header: (el) => this.onHeader(el), element: (el) => this.onElement(el), closed: (how) => this.onClosed(how) },
      host.transcript(),
    );
    this.stream.note(`accepted a connection from ${socket.remoteAddress}:${socket.remotePort}`);
  }

  get label(): string {
    return this.stream.label;
  }

  /** The domain the target's header named as its own. */
  get from(): string | undefined {
    return this.headers[0]?.attrs.from;
  }

  get secure(): boolean {
    return this.stream.secure;
  }

  get open(): boolean {
    return !this.stream.socketClosed;
  }

  /** Records into the transcript of the test using the peer now. */
  follow(transcript: Transcript | undefined): void {
    this.stream.transcript = transcript;
  }

  /** Writes in arrival order without waiting: the socket keeps the order, and STARTTLS must switch before the next byte is read. */
  private send(data: Element | string): void {
    this.stream.write(data).catch((err: unknown) => this.stream.note(`write failed: ${(err as Error).message}`));
  }

  private onHeader(el: Element): void {
    this.headers.push(el);
    this.id = randomBytes(8).toString("hex");
    const answer = s2sHeader({ from: this.host.domain, to: el.attrs.from, id: this.id });
    if (el.attrs.to !== this.host.domain) {
      this.send(answer + streamError("host-unknown").toString() + "</stream:stream>");
      this.closing = true;
      this.stream.finish();
      return;
    }
    const extra = this.host.features();
    this.sm.offered = extra.some((f) => f.is("sm", NS.sm3));
    const features = xml("stream:features", {}, this.secure ? null : xml("starttls", { xmlns: NS.tls }), dialbackFeature(), ...extra);
    this.send(answer + features.toString());
  }

  private onElement(el: Element): void {
    if (el.is("starttls", NS.tls)) {
      this.send(xml("proceed", { xmlns: NS.tls }));
      this.stream.startTlsServer(this.host.tls).catch((err: unknown) => {
        this.stream.note(`TLS handshake failed: ${(err as Error).message}`);
        this.stream.destroy();
      });
    } else if (isDialback(el, "result") && !el.attrs.type) {
      this.recordKey(el);
      if (this.host.holdingResults()) this.heldResults.push(el);
      else this.answerResult(el);
    } else if (isDialback(el, "verify") && !el.attrs.type) {
      const { from = "", to = "", id = "" } = el.attrs;
      this.verifies.push({ from, to, id });
      if (this.host.holdingVerifies()) this.heldVerifies.push(el);
      else this.answerVerify(el);
    } else if (el.getNS() === NS.sm3) {
      this.onSm(el);
    } else if (isStanza(el)) {
      if (this.sm.enabled) this.sm.received++;
      this.host.stanza(el, this);
    }
  }

  /**
   * As Receiving Server the peer takes the target's key on trust (XEP-0220 lets a
   * Receiving Server verify by any means, so the target must not count on a callback);
   * the key is recorded, for tests that ask the target to verify it as its Authoritative Server.
   */
  private recordKey(el: Element): void {
    const { from = "", to = "" } = el.attrs;
    this.keys.push({ from, to, key: el.text(), streamId: this.id ?? "" });
    this.host.keyReceived(this);
  }

  private answerResult(el: Element): void {
    const { from = "", to = "" } = el.attrs;
    this.send(dialbackElement("result", { from: to, to: from, type: this.host.resultVerdict() }));
  }

  /** Gives the verdicts held meanwhile. */
  releaseResults(): void {
    for (const el of this.heldResults.splice(0)) this.answerResult(el);
  }

  /** As Authoritative Server: recompute the key the target was given over its stream id, with the peer's secret. */
  private answerVerify(el: Element): void {
    const { from = "", to = "", id = "" } = el.attrs;
    if (this.host.failingVerifies()) {
      this.send(dialbackElement("verify", { from: to, to: from, id, type: "error" }, undefined, dialbackError("item-not-found")));
      return;
    }
    const valid = el.text() === dialbackKey(this.host.secret, from, to, id);
    this.send(dialbackElement("verify", { from: to, to: from, id, type: valid ? "valid" : "invalid" }));
  }

  /** Answers the db:verify requests held meanwhile. */
  releaseVerifies(): void {
    for (const el of this.heldVerifies.splice(0)) this.answerVerify(el);
  }

  private onSm(el: Element): void {
    if (el.name === "enable") {
      if (!this.sm.offered) {
        this.send(xml("failed", { xmlns: NS.sm3 }, xml("unexpected-request", { xmlns: NS.stanzas })));
        return;
      }
      this.sm.enabled = true;
      this.send(xml("enabled", { xmlns: NS.sm3 }));
    } else if (el.name === "r") {
      if (this.host.holdingAcks()) this.unansweredR = true;
      else this.send(sm.a(this.sm.received));
    }
  }

  /** Answers an <r/> that came while acknowledgements were held. */
  releaseAck(): void {
    if (!this.unansweredR || this.stream.socketClosed) return;
    this.unansweredR = false;
    this.send(sm.a(this.sm.received));
  }

  private onClosed(how: "stream" | "socket"): void {
    if (how === "socket") {
      this.host.gone(this);
      return;
    }
    this.closedByTarget = true;
    // The target ended its stream: end ours, then the connection.
    if (!this.closing) this.send("</stream:stream>");
    this.closing = true;
    this.stream.finish();
  }

  /**
   * Closes the stream cleanly and waits (up to `timeout`) for the target to let the
   * connection go: what it sent is acknowledged first, so that it has nothing to send again.
   */
  async close(timeout: number): Promise<void> {
    if (this.stream.socketClosed) return;
    if (!this.closing) {
      if (this.sm.enabled) this.send(sm.a(this.sm.received));
      this.send("</stream:stream>");
      this.closing = true;
    }
    if (!(await this.stream.waitSocketClosed(timeout))) this.stream.destroy();
  }

  /** Ends the TCP connection without a closing tag; true once the target has closed its side within `timeout`. */
  async drop(timeout: number): Promise<boolean> {
    this.stream.note("ending the connection without a closing tag (TCP FIN)");
    this.closing = true;
    this.stream.finish();
    const closed = await this.stream.waitSocketClosed(timeout);
    if (!closed) this.stream.destroy();
    return closed;
  }

  kill(): void {
    this.stream.destroy();
  }
}
