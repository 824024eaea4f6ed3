// What every party the harness plays has in common, whatever carries its elements (one
// client or component stream, or the several streams of the S2S peer): an inbox of
// what arrived, automatic answers a test registers, expectations, and barriers that
// prove absence: a ping whose answer comes after everything sent before it.
import { Element } from "../xmpp/element.js";
import { newId, ping } from "../xmpp/builders.js";
import { Matcher, describe, predicate } from "../xmpp/match.js";
import { Violation } from "../verdict/verdict.js";
import { Inbox, type ExpectOptions, type Received } from "./inbox.js";
import { Transcript } from "./transcript.js";

/** Answers an element automatically (a disco#info query for caps); undefined lets it through. */
export type Responder = (el: Element) => Element | undefined;

export abstract class Party {
  readonly transcript: Transcript;
  protected readonly timeoutMs: number;
  protected readonly inbox: Inbox;
  private readonly responders: Responder[] = [];

  protected constructor(opts: { transcript?: Transcript; timeoutMs?: number }) {
    this.transcript = opts.transcript ?? new Transcript();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.inbox = new Inbox(this.timeoutMs);
  }

  /** Writes an element or raw XML as is. */
  abstract send(data: Element | string): Promise<void>;

  /** The JID a barrier ping goes to: one that answers after everything sent before it. */
  protected abstract barrierJid(): string;

  /** A ping whose answer comes after everything the peer sent before it. */
  protected barrierPing(): Element {
    return ping(this.barrierJid());
  }

  /** Answers matching elements from now on, automatically; they never reach `expect`. */
  respond(responder: Responder): void {
    this.responders.push(responder);
  }

  /** Sends the reply of the first responder that has one; true when one did. */
  protected answered(el: Element): boolean {
    for (const responder of this.responders) {
      const reply = responder(el);
      if (reply) {
        void this.send(reply).catch(() => undefined);
        return true;
      }
    }
    return false;
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
  async expect(matcher: Matcher, opts: ExpectOptions = {}): Promise<Element> {
    return (await this.inbox.expect(matcher, opts)).el;
  }

  /**
   * Sends a barrier iq (a ping to the server, or `barrier`) and waits for its answer;
   * returns, in order, every unread element that arrived before the answer.
   * Everything the server sent on this path before answering comes first.
   */
  async drainUntilBarrier(barrier: Element = this.barrierPing(), opts: ExpectOptions = {}): Promise<Element[]> {
    const answer = await this.expectBarrierAnswer(barrier, opts);
    return this.inbox.takeBefore(answer.seq);
  }

  private async expectBarrierAnswer(request: Element, opts: ExpectOptions): Promise<Received> {
    request.attrs.id ??= newId("barrier");
    const id = request.attrs.id;
    await this.send(request);
    return this.inbox.expect(predicate(`the answer to the barrier iq '${id}'`, (el) => el.name === "iq" && el.attrs.id === id && el.attrs.type !== "get" && el.attrs.type !== "set"), {
      rule: opts.rule ?? "barrier",
      ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    });
  }

  /**
   * Proves absence without sleeping: sends a barrier that the server must answer
   * after anything it sent earlier, and fails if a matching element came first.
   */
  async expectNothing(matcher: Matcher, rule: string, barrier?: Element): Promise<void> {
    const answer = await this.expectBarrierAnswer(barrier ?? this.barrierPing(), { rule });
    const offending = this.inbox.findBefore(answer.seq, matcher);
    if (offending) throw new Violation(rule, `no ${describe(matcher)}`, offending.toString());
  }

  /**
   * How many stanzas arrived after `el` (an element this party received): the
   * count a client reports as handled in XEP-0198 `h` when `el` is <enabled/>.
   */
  stanzasSince(el: Element): number {
    return this.inbox.stanzasSince(el);
  }

  /** Unread elements that arrived before `el` (an element this party received), in arrival order; not consumed. */
  unreadBefore(el: Element): Element[] {
    return this.inbox.unreadBefore(el);
  }

  /** Elements received so far and not consumed, in arrival order (not consumed by this call). */
  unread(): Element[] {
    return this.inbox.unread();
  }
}
