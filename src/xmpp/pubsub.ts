// XEP-0060 / XEP-0163 requests as both sides write and read them: the harness sends
// these, the reference server parses the same shapes, so a test and the server never
// disagree on what the wire looks like.
import { xml, type Element } from "./element.js";
import { iq } from "./builders.js";
import { dataForm, type FormValues } from "./forms.js";
import { NS } from "./ns.js";

/** The feature a PEP subscriber advertises in its caps to be sent notifications of `node` (XEP-0163 §4). */
export const notifyFeature = (node: string) => `${node}+notify`;

/** Pubsub error application conditions (XEP-0060 §7 and §6). */
export type PubsubErrorCondition =
  | "invalid-jid" | "presence-subscription-required" | "not-in-roster-group" | "closed-node" | "pending-subscription"
  | "too-many-subscriptions" | "unsupported" | "not-subscribed" | "subid-required" | "invalid-subid" | "nodeid-required"
  | "item-required" | "payload-required" | "invalid-payload" | "item-forbidden" | "max-items-exceeded" | "precondition-not-met"
  | "configuration-required" | "invalid-options" | "invalid-option";

const pubsubIq = (type: "get" | "set", to: string | undefined, ns: string, ...children: Element[]) => iq(type, { to }, xml("pubsub", { xmlns: ns }, ...children));

/** Node configuration form (XEP-0060 §8.2), values by `pubsub#` field name. */
export const nodeConfig = (values: FormValues) => dataForm("submit", NS.pubsubNodeConfig, values);

export const pubsub = {
  create: (to: string | undefined, node: string, config?: FormValues) =>
    pubsubIq("set", to, NS.pubsub, xml("create", { node }), ...(config ? [xml("configure", {}, nodeConfig(config))] : [])),
  configure: (to: string | undefined, node: string, config: FormValues) => pubsubIq("set", to, NS.pubsubOwner, xml("configure", { node }, nodeConfig(config))),
  getConfiguration: (to: string | undefined, node: string) => pubsubIq("get", to, NS.pubsubOwner, xml("configure", { node })),
  delete: (to: string | undefined, node: string) => pubsubIq("set", to, NS.pubsubOwner, xml("delete", { node })),
  purge: (to: string | undefined, node: string) => pubsubIq("set", to, NS.pubsubOwner, xml("purge", { node })),
  publish: (to: string | undefined, node: string, payload: Element, id?: string, options?: FormValues) =>
    pubsubIq(
      "set",
      to,
      NS.pubsub,
      xml("publish", { node }, xml("item", { id }, payload)),
      ...(options ? [xml("publish-options", {}, dataForm("submit", NS.pubsubPublishOptions, options))] : []),
    ),
  retract: (to: string | undefined, node: string, id: string, notify?: boolean) =>
    pubsubIq("set", to, NS.pubsub, xml("retract", { node, notify: notify === undefined ? undefined : String(notify) }, xml("item", { id }))),
  items: (to: string | undefined, node: string, opts: { max?: number; ids?: string[] } = {}) =>
    pubsubIq("get", to, NS.pubsub, xml("items", { node, max_items: opts.max === undefined ? undefined : String(opts.max) }, ...(opts.ids ?? []).map((id) => xml("item", { id })))),
  subscribe: (to: string | undefined, node: string, jid: string) => pubsubIq("set", to, NS.pubsub, xml("subscribe", { node, jid })),
  unsubscribe: (to: string | undefined, node: string, jid: string, subid?: string) => pubsubIq("set", to, NS.pubsub, xml("unsubscribe", { node, jid, subid })),
  subscriptions: (to: string | undefined, node?: string) => pubsubIq("get", to, NS.pubsub, xml("subscriptions", { node })),
  affiliations: (to: string | undefined, node?: string) => pubsubIq("get", to, NS.pubsub, xml("affiliations", { node })),
  ownerSubscriptions: (to: string | undefined, node: string) => pubsubIq("get", to, NS.pubsubOwner, xml("subscriptions", { node })),
  ownerAffiliations: (to: string | undefined, node: string) => pubsubIq("get", to, NS.pubsubOwner, xml("affiliations", { node })),
  setAffiliations: (to: string | undefined, node: string, entries: Array<{ jid: string; affiliation: string }>) =>
    pubsubIq("set", to, NS.pubsubOwner, xml("affiliations", { node }, ...entries.map((e) => xml("affiliation", e)))),
  setSubscriptions: (to: string | undefined, node: string, entries: Array<{ jid: string; subscription: string; subid?: string }>) =>
    pubsubIq("set", to, NS.pubsubOwner, xml("subscriptions", { node }, ...entries.map((e) => xml("subscription", e)))),
};

/** The <event/> of a pubsub notification message, if it is one. */
export function eventOf(message: Element): Element | undefined {
  return message.name === "message" ? message.getChild("event", NS.pubsubEvent) : undefined;
}

/** The pubsub#errors application condition of an error reply, if any. */
export function pubsubErrorOf(reply: Element): string | undefined {
  return reply.getChild("error")?.getChildElements().find((c) => c.getNS() === NS.pubsubErrors)?.name;
}
