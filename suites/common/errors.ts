// Stanza errors in a test's words: what a failure message quotes of an error reply.
import type { Element } from "../../src/xmpp/element.js";
import { NS } from "../../src/xmpp/ns.js";
import { pubsubErrorOf } from "../../src/xmpp/pubsub.js";

/** An error reply in words: its type, stanza condition and pubsub condition. */
export function errorText(reply: Element): string {
  const error = reply.getChild("error");
  if (reply.attrs.type !== "error" || !error) return reply.toString();
  const condition = error.getChildElements().find((c) => c.getNS() === NS.stanzas)?.name ?? "(no condition)";
  const ps = pubsubErrorOf(reply);
  return `${error.attrs.type ?? "(no type)"}/${condition}${ps ? ` + ${ps}` : ""}`;
}

export function stanzaConditionOf(reply: Element): string | undefined {
  return reply.getChild("error")?.getChildElements().find((c) => c.getNS() === NS.stanzas)?.name;
}
