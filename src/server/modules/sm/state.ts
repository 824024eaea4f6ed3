// XEP-0198 counters and the unacknowledged queue of one SM session. Everything
// compares with serial-number arithmetic because h wraps at 2^32 (SM-13).
import type { Element } from "../../../xmpp/element.js";
import type { SmNamespace } from "../../../xmpp/ns.js";
import { ackTooHigh, hDistance, incH } from "../../../xmpp/sm-counter.js";

export interface Unacked {
  seq: number;
  el: Element;
  /** When the stanza was first sent or queued, for delay stamps at expiry. */
  stamp: Date;
}

export interface SmStateInit {
  ns: SmNamespace;
  id: string;
  resumable: boolean;
  /** Resumption window in seconds, as announced. */
  window: number;
  /** The data chunk <enable/> arrived in. */
  enableChunk: number;
}

export class SmState {
  readonly ns: SmNamespace;
  readonly id: string;
  readonly resumable: boolean;
  readonly window: number;
  readonly enableChunk: number;
  /** The end of the resumption window while the session hibernates. */
  expiry: NodeJS.Timeout | undefined;
  /** Stanzas handled from the client (the server's h). */
  inbound = 0;
  /** Stanzas sent to the client; the last one has sequence number `sent`. */
  sent = 0;
  lastAcked = 0;
  queue: Unacked[] = [];
  /** sm:1: the u of the last <r/> the client sent. */
  lastU: number | undefined;
  /** h values sent in <a/> so far, and the last one (throttling faults read these). */
  acksSent = 0;
  lastReportedH = 0;

  constructor(init: SmStateInit) {
    this.ns = init.ns;
    this.id = init.id;
    this.resumable = init.resumable;
    this.window = init.window;
    this.enableChunk = init.enableChunk;
  }

  countInbound(): void {
    this.inbound = incH(this.inbound);
  }

  recordSent(el: Element, stamp = new Date()): Unacked {
    this.sent = incH(this.sent);
    const entry = { seq: this.sent, el, stamp };
    this.queue.push(entry);
    return entry;
  }

  /** True when `h` acknowledges more stanzas than were sent (SM-15). */
  tooHigh(h: number): boolean {
    return ackTooHigh(this.lastAcked, h, this.sent);
  }

  /** Drops the entries `h` acknowledges and returns them. */
  ack(h: number): Unacked[] {
    const upto = hDistance(this.lastAcked, h);
    const dropped: Unacked[] = [];
    while (this.queue.length && hDistance(this.lastAcked, this.queue[0]!.seq) <= upto) dropped.push(this.queue.shift()!);
    this.lastAcked = h;
    return dropped;
  }
}
