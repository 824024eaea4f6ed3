// Replies to stanzas: iq results and stanza errors (RFC 6120 8.3), addressed back
// to the sender.
import clone from "ltx/lib/clone.js";
import { xml, childElements, type Element } from "../xmpp/element.js";
import { stanzaError } from "../xmpp/builders.js";
import type { StanzaCondition } from "../xmpp/ns.js";

export type ErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export function resultFor(iq: Element, ...children: Element[]): Element {
  return xml("iq", { type: "result", id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from }, ...children);
}

/** May this stanza be answered with an error? Errors never are, nor iq results. */
export function answerable(el: Element): boolean {
  const type = el.attrs.type;
  return type !== "error" && !(el.name === "iq" && type === "result");
}

/** The error reply; a message keeps its payload so the sender can tell what bounced. */
export function errorFor(el: Element, type: ErrorType, condition: StanzaCondition, text?: string): Element {
  const payload = el.name === "message" ? childElements(el).map((c) => clone(c)) : [];
  return xml(
    el.name,
    { type: "error", id: el.attrs.id, from: el.attrs.to, to: el.attrs.from },
    ...payload,
    stanzaError(type, condition, text),
  );
}
