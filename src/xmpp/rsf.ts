// XEP-0351 Recipient Server-Side Notification Filtering, as both sides read it: the
// `NodeID+events-` caps feature by which a client lists the event types it wants (the
// harness writes it, sorted or not, the reference server parses it), and the event
// type of a pubsub notification, which is what the list filters.
import type { Element } from "./element.js";
import { NS } from "./ns.js";

/** The event types a `+events-` list may name, in the ascending order XEP-0351 §3.3 sorts them. */
export const EVENT_TOKENS = ["config", "delete", "retract", "sub"] as const;
export type EventToken = (typeof EVENT_TOKENS)[number];

const MARKER = "+events-";

/** `NodeID+events-tok1-tok2`: the tokens joined as given (a test may send them unsorted, or unknown ones). */
export const eventsFeature = (node: string, tokens: readonly string[]) => `${node}${MARKER}${tokens.join("-")}`;

/**
 * The NodeID and the raw tokens of a `+events-` feature, split on the last marker (a
 * NodeID may itself contain one); `first` splits on the first instead. Undefined for
 * any other feature.
 */
export function parseEventsFeature(feature: string, first = false): { node: string; tokens: string[] } | undefined {
  const at = first ? feature.indexOf(MARKER) : feature.lastIndexOf(MARKER);
  if (at < 0) return undefined;
  const list = feature.slice(at + MARKER.length);
  return { node: feature.slice(0, at), tokens: list === "" ? [] : list.split("-") };
}

export function isEventToken(token: string): token is EventToken {
  return (EVENT_TOKENS as readonly string[]).includes(token);
}

/**
 * What a notification is about (XEP-0060 §12.18 <event/> children): new items (`items`,
 * governed by +notify), a retraction, a purge, a configuration change, a deletion, a
 * subscription change, or anything else (`other`, XEP-0248's <collection/>).
 */
export type EventType = "items" | "retract" | "purge" | "config" | "delete" | "sub" | "other";

const BY_ELEMENT: Record<string, EventType> = { purge: "purge", configuration: "config", delete: "delete", subscription: "sub" };

/** The node and type of a notification message's <event/>, or undefined when it carries none. */
export function notificationOf(message: Element): { node: string; type: EventType } | undefined {
  const child = message.getChild("event", NS.pubsubEvent)?.getChildElements()[0];
  if (!child) return undefined;
  const node = child.attrs.node ?? "";
  if (child.name !== "items") return { node, type: BY_ELEMENT[child.name] ?? "other" };
  // A retraction travels as <items><retract/></items>; an item among them makes it news.
  const retractOnly = child.getChildren("retract").length > 0 && child.getChildren("item").length === 0;
  return { node, type: retractOnly ? "retract" : "items" };
}
