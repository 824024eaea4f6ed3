// What a party of the harness received and has not read yet: elements numbered in
// arrival order, taken by the first waiter they match or kept unread until a test asks.
import type { Element } from "../xmpp/element.js";
import { isStanza } from "../xmpp/element.js";
import { Matcher, describe, match } from "../xmpp/match.js";
import { Violation } from "../verdict/verdict.js";
import { redactXml } from "./redact.js";

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

export class Inbox {
  private seq = 0;
  private queue: Received[] = [];
  private readonly seqOf = new WeakMap<Element, number>();
  /** Arrival numbers of every stanza received, consumed or not. */
  private readonly stanzaSeqs: number[] = [];
  private waiters: Waiter[] = [];
  /** Set once nothing more can arrive: what an expectation made afterwards is told. */
  private ended?: () => string;

  constructor(private readonly timeoutMs: number) {}

  /** Numbers an element that just arrived; `file` it unless something answered it. */
  arrive(el: Element): Received {
    const r = { seq: ++this.seq, el };
    this.seqOf.set(el, r.seq);
    if (isStanza(el)) this.stanzaSeqs.push(r.seq);
    return r;
  }

  /** Hands an arrived element to the first waiter it matches, or keeps it unread. */
  file(r: Received): void {
    const i = this.waiters.findIndex((w) => match(r.el, w.matcher).ok);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(r);
    } else {
      this.queue.push(r);
    }
  }

  /** Nothing more will arrive: pending waiters fail with `failure`, later ones with what `afterwards` says. */
  end(failure: (matcher: Matcher) => Error, afterwards: () => string): void {
    this.ended = afterwards;
    this.rejectWaiters(failure);
  }

  rejectWaiters(failure: (matcher: Matcher) => Error): void {
    for (const w of this.waiters.splice(0)) w.reject(failure(w.matcher));
  }

  /**
   * Waits for the first element matching `matcher` (one that already arrived and was
   * not consumed, or the next to arrive) and consumes it.
   */
  expect(matcher: Matcher, opts: ExpectOptions = {}): Promise<Received> {
    const i = this.queue.findIndex((r) => match(r.el, matcher).ok);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    const rule = opts.rule ?? "expectation";
    if (this.ended) return Promise.reject(new Violation(rule, describe(matcher), `${this.ended()}; ${this.unreadText()}`));
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
          reject(e instanceof Violation ? new Violation(rule, e.expected, `${e.received}; ${this.unreadText()}`) : e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Violation(rule, describe(matcher), `nothing matching within ${timeout} ms; ${this.unreadText()}`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** Consumes and returns, in order, every unread element that arrived before `seq`. */
  takeBefore(seq: number): Element[] {
    const before = this.queue.filter((r) => r.seq < seq);
    this.queue = this.queue.filter((r) => r.seq > seq);
    return before.map((r) => r.el);
  }

  /** The first unread element before `seq` that matches, not consumed. */
  findBefore(seq: number, matcher: Matcher): Element | undefined {
    return this.queue.find((r) => r.seq < seq && match(r.el, matcher).ok)?.el;
  }

  /** How many stanzas arrived after `el`, consumed or not. */
  stanzasSince(el: Element): number {
    return this.stanzaSeqs.filter((s) => s > this.seqOfReceived(el)).length;
  }

  /** Unread elements that arrived before `el`, in arrival order; not consumed. */
  unreadBefore(el: Element): Element[] {
    const at = this.seqOfReceived(el);
    return this.queue.filter((r) => r.seq < at).map((r) => r.el);
  }

  /** Elements received and not consumed, in arrival order (not consumed by this call). */
  unread(): Element[] {
    return this.queue.map((r) => r.el);
  }

  private seqOfReceived(el: Element): number {
    const seq = this.seqOf.get(el);
    if (seq === undefined) throw new Error("element was not received here");
    return seq;
  }

  unreadText(): string {
    if (!this.queue.length) return "nothing else unread";
    return `unread: ${this.queue.map((r) => redactXml(r.el.toString())).join(" ")}`;
  }
}
