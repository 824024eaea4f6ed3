// A pubsub service the harness plays through its XEP-0114 component: a test scripts how
// it answers XEP-0060 subscribe and unsubscribe requests (a subscription state, with or
// without a subid; an error with or without a generator; or no answer at all), and
// reads back every such request it received. It stands for a remote service that the
// target's accounts reach through the target, as XEP-0376 makes them do.
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import type { TestComponent } from "./component.js";

export type Script =
  /** A result with <subscription/> in this state (unsubscribe: an empty result). */
  | { answer: "subscribed" | "pending" | "unconfigured"; subid?: string }
  /** An iq error: its type, its RFC 6120 condition, a pubsub#errors condition, and `by` if given. */
  | { answer: "error"; type: string; condition: string; pubsubCondition?: string; by?: string }
  /** No answer at all. */
  | { answer: "silent" };

const OPERATIONS = new Set(["subscribe", "unsubscribe"]);

export class ScriptedPubsubService {
  /** Every subscribe or unsubscribe request received, in order. */
  readonly requests: Element[] = [];
  /** For every other element, how many requests had arrived before it. */
  private readonly requestsAt = new WeakMap<Element, number>();
  private script: Script = { answer: "subscribed" };

  constructor(readonly component: TestComponent) {
    component.respond((el) => this.answer(el));
  }

  /** The service's JID: the component's domain. */
  get jid(): string {
    return this.component.jid;
  }

  /** How the next requests are answered (until the next call). */
  play(script: Script): void {
    this.script = script;
  }

  /** The requests that arrived before `el`, an element the component received that is not one. */
  requestsBefore(el: Element): Element[] {
    return this.requests.slice(0, this.requestsAt.get(el) ?? this.requests.length);
  }

  /** The <subscribe/> or <unsubscribe/> inside a request. */
  static operation(request: Element): Element | undefined {
    return request.getChild("pubsub", NS.pubsub)?.getChildElements()[0];
  }

  private answer(el: Element): Element | undefined {
    const op = el.name === "iq" && el.attrs.type === "set" ? ScriptedPubsubService.operation(el) : undefined;
    if (!op || !OPERATIONS.has(op.name)) {
      this.requestsAt.set(el, this.requests.length);
      return undefined;
    }
    this.requests.push(el);
    const script = this.script;
    const reply = { id: el.attrs.id, from: this.jid, to: el.attrs.from };
    switch (script.answer) {
      case "silent":
        // Left unread in the component's inbox: the test sees it there too.
        return undefined;
      case "error": {
        const error = xml("error", { type: script.type, ...(script.by ? { by: script.by } : {}) }, xml(script.condition, { xmlns: NS.stanzas }));
        if (script.pubsubCondition) error.c(script.pubsubCondition, { xmlns: NS.pubsubErrors });
        return xml("iq", { type: "error", ...reply }, error);
      }
      default: {
        if (op.name === "unsubscribe") return xml("iq", { type: "result", ...reply });
        const attrs = { node: op.attrs.node, jid: op.attrs.jid, subscription: script.answer, ...(script.subid ? { subid: script.subid } : {}) };
        return xml("iq", { type: "result", ...reply }, xml("pubsub", { xmlns: NS.pubsub }, xml("subscription", attrs)));
      }
    }
  }
}
