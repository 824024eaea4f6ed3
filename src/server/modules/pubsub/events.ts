// What a pubsub service sends on its own: event notifications (XEP-0060 4.3, one
// <event/> child per message), the last published item with its delay stamp, and the
// subscription authorization form an owner answers (8.6).
import clone from "ltx/lib/clone.js";
import { newId } from "../../../xmpp/builders.js";
import { xml, type Element } from "../../../xmpp/element.js";
import { findForm, formBoolean, formValues } from "../../../xmpp/forms.js";
import { NS } from "../../../xmpp/ns.js";
import type { Item, Subscription } from "./node.js";

/** A notification message; `id` is unique within the service unless a fault says otherwise (PS-10). */
export function eventMessage(from: string, to: string, id: string, event: Element, ...extra: Element[]): Element {
  return xml("message", { from, to, type: "headline", id }, xml("event", { xmlns: NS.pubsubEvent }, event), ...extra);
}

export function itemsEvent(node: string, items: Item[], payloads: boolean): Element {
  return xml("items", { node }, ...items.map((i) => xml("item", { id: i.id }, payloads && i.payload ? clone(i.payload) : null)));
}

export const retractEvent = (node: string, ids: string[]) => xml("items", { node }, ...ids.map((id) => xml("retract", { id })));
export const purgeEvent = (node: string) => xml("purge", { node });
export const deleteEvent = (node: string) => xml("delete", { node });
export const configurationEvent = (node: string, form: Element | undefined) => xml("configuration", { node }, form ?? null);

export const subscriptionEvent = (node: string, sub: Subscription, state: "subscribed" | "pending" | "none") =>
  xml("subscription", { node, jid: sub.jid, subscription: state, subid: sub.subid });

/** XEP-0033 replyto naming the publishing resource (XEP-0163 4.3.1). */
export const replyTo = (jid: string) => xml("addresses", { xmlns: NS.addresses }, xml("address", { type: "replyto", jid }));

/** XEP-0203 stamp of when an item was published, for items sent after the fact. */
export const delayOf = (item: Item, from: string) => xml("delay", { xmlns: NS.delay, stamp: item.published.toISOString().replace(/\.\d{3}Z$/, "Z"), from });

/** The message asking an owner to allow or deny a pending subscription (XEP-0060 8.6). */
export function authorizationRequest(service: string, owner: string, node: string, sub: Subscription): Element {
  return xml(
    "message",
    { from: service, to: owner, id: newId("approve") },
    xml(
      "x",
      { xmlns: NS.dataForms, type: "form" },
      xml("title", {}, "PubSub subscriber request"),
      xml("instructions", {}, "To approve this entity's subscription request, set pubsub#allow to true and submit the form; to deny it, set it to false."),
      xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.pubsubSubscribeAuthorization)),
      xml("field", { var: "pubsub#subid", type: "hidden" }, xml("value", {}, sub.subid)),
      xml("field", { var: "pubsub#node", type: "text-single", label: "Node ID" }, xml("value", {}, node)),
      xml("field", { var: "pubsub#subscriber_jid", type: "jid-single", label: "Subscriber Address" }, xml("value", {}, sub.jid)),
      xml("field", { var: "pubsub#allow", type: "boolean", label: "Allow this JID to subscribe to this pubsub node?" }, xml("value", {}, "false")),
    ),
  );
}

export interface Authorization {
  node: string;
  jid: string;
  subid: string | undefined;
  allow: boolean;
}

/** The subscribe_authorization form of a message an owner sent back (submitted, or cancelled: XEP-0060 8.6). */
export function authorizationForm(message: Element): Element | undefined {
  const form = findForm(message, NS.pubsubSubscribeAuthorization);
  return form && (form.attrs.type === "submit" || form.attrs.type === "cancel") ? form : undefined;
}

/** The owner's decision in a submitted form; undefined for a cancelled one, which leaves the subscription pending. */
export function readAuthorization(form: Element): Authorization | undefined {
  if (form.attrs.type !== "submit") return undefined;
  const v = formValues(form);
  const node = v["pubsub#node"]?.[0];
  const jid = v["pubsub#subscriber_jid"]?.[0];
  if (node === undefined || jid === undefined) return undefined;
  return { node, jid, subid: v["pubsub#subid"]?.[0], allow: formBoolean(v["pubsub#allow"]?.[0]) === true };
}
