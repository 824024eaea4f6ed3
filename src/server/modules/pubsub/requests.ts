// The XEP-0060 wire protocol over the engine, the same for pubsub.<domain> and PEP:
// an iq's <pubsub/> (or pubsub#owner) request is read, carried out, and answered with
// its result or its error with the pubsub#errors condition; disco#info and disco#items
// of the service and its nodes (5.1 to 5.5).
import { childElements, xml, type Element } from "../../../xmpp/element.js";
import { findForm } from "../../../xmpp/forms.js";
import { NS } from "../../../xmpp/ns.js";
import type { Jid } from "../../jid.js";
import { errorFor, resultFor } from "../../replies.js";
import { REL_LINK, REL_PARENT } from "../../../xmpp/extdisco.js";
import { configForm } from "./config.js";
import { extendedItems, metaDataForm } from "./ext-disco.js";
import { itemsEvent } from "./events.js";
import { PubsubError, type PubsubNode } from "./node.js";
import { childNodes } from "./relationships.js";
import type { Outbox, PubsubService } from "./service.js";

/** The pubsub features both services implement; PEP adds its own three. */
export const PUBSUB_FEATURES: readonly string[] = [
  NS.pubsub,
  ...[
    "access-authorize", "access-open", "access-presence", "access-roster", "access-whitelist", "config-node", "create-and-configure",
    "create-nodes", "delete-items", "delete-nodes", "instant-nodes", "item-ids", "last-published", "manage-subscriptions",
    "member-affiliation", "meta-data", "modify-affiliations", "outcast-affiliation", "persistent-items", "publish", "publish-options",
    "publish-only-affiliation", "publisher-affiliation", "purge-nodes", "retract-items", "retrieve-affiliations", "retrieve-default",
    "retrieve-items", "retrieve-subscriptions", "subscribe", "subscription-notifications",
  ].map((f) => `${NS.pubsub}#${f}`),
];

/**
 * Every feature of a service (both kinds), with XEP-0496's and XEP-0499's unless a
 * fault leaves one out (REL-01, EXTDISCO-01).
 */
export function serviceFeatures(has: (fault: string) => boolean): string[] {
  return [
    ...PUBSUB_FEATURES,
    ...(has("extdisco.rel-no-feature") ? [] : [NS.pubsubRelationships]),
    ...(has("extdisco.no-feature") ? [] : [NS.pubsubExtDisco]),
  ];
}

/** Answers a pubsub iq of `requester`, putting the notifications it causes in `out`. */
export function pubsubRequest(service: PubsubService, iq: Element, requester: Jid, out: Outbox): Element {
  const pubsub = iq.getChildElements()[0]!;
  try {
    const children = childElements(pubsub);
    const [request, second] = children;
    if (!request) throw new PubsubError("modify", "bad-request");
    const payload = pubsub.getNS() === NS.pubsubOwner ? ownerRequest(service, iq.attrs.type!, request, requester, out) : userRequest(service, iq.attrs.type!, request, second, requester, out);
    return resultFor(iq, ...(payload ? [payload] : []));
  } catch (e) {
    if (!(e instanceof PubsubError)) throw e;
    const reply = errorFor(iq, e.type, e.condition, e.text);
    if (e.app) reply.getChild("error")!.append(xml(e.app, { xmlns: NS.pubsubErrors, feature: e.feature }));
    return reply;
  }
}

const wrap = (ns: string, child: Element) => xml("pubsub", { xmlns: ns }, child);
const unsupported = () => new PubsubError("cancel", "feature-not-implemented");

function userRequest(service: PubsubService, type: string, request: Element, second: Element | undefined, requester: Jid, out: Outbox): Element | undefined {
  const node = request.attrs.node;
  switch (`${type} ${request.name}`) {
    case "set create": {
      if (second && (second.name !== "configure" || second.attrs.node !== undefined)) throw new PubsubError("modify", "bad-request");
      const created = service.create(requester, node, second);
      return node === undefined ? wrap(NS.pubsub, xml("create", { node: created })) : undefined;
    }
    case "set publish": {
      const items = request.getChildren("item");
      if (items.length > 1) throw new PubsubError("modify", "bad-request", "invalid-payload");
      const options = second?.name === "publish-options" ? findForm(second, NS.pubsubPublishOptions) : undefined;
      const id = service.publish(out, requester, node, items[0], options);
      return wrap(NS.pubsub, xml("publish", { node }, xml("item", { id })));
    }
    case "set retract":
      service.retract(out, requester, node, request.getChild("item")?.attrs.id, request.attrs.notify);
      return undefined;
    case "set subscribe": {
      const sub = service.subscribe(out, requester, node, request.attrs.jid);
      if (service.host.has("pubsub.bare-subscribe-result")) return undefined;
      return wrap(NS.pubsub, xml("subscription", { node, jid: sub.jid, subid: sub.subid, subscription: sub.state }));
    }
    case "set unsubscribe":
      service.unsubscribe(out, requester, node, request.attrs.jid, request.attrs.subid);
      return undefined;
    case "get items": {
      const max = request.attrs.max_items;
      if (max !== undefined && !/^[1-9]\d*$/.test(max)) throw new PubsubError("modify", "bad-request");
      const items = service.items(requester, node, max === undefined ? undefined : Number(max), request.getChildren("item").map((i) => i.attrs.id ?? ""));
      return wrap(NS.pubsub, itemsEvent(node!, items, true));
    }
    case "get subscriptions":
      return wrap(
        NS.pubsub,
        xml("subscriptions", { node }, ...service.subscriptionsOf(requester, node).map(([n, s]) => xml("subscription", { node: n.name, jid: s.jid, subid: s.subid, subscription: s.state }))),
      );
    case "get affiliations":
      return wrap(NS.pubsub, xml("affiliations", { node }, ...service.affiliationsOf(requester, node).map(([n, a]) => xml("affiliation", { node: n.name, affiliation: a }))));
    default:
      throw unsupported();
  }
}

function ownerRequest(service: PubsubService, type: string, request: Element, requester: Jid, out: Outbox): Element | undefined {
  const node = request.attrs.node;
  switch (`${type} ${request.name}`) {
    case "get configure": {
      const form = configForm(service.configuration(requester, node), "form");
      // REL-02: the relationships are configuration; under the fault the owner never sees them.
      if (service.host.has("extdisco.rel-not-in-config")) for (const f of form.getChildren("field").filter((f) => f.attrs.var === REL_PARENT || f.attrs.var === REL_LINK)) form.remove(f);
      return wrap(NS.pubsubOwner, xml("configure", { node }, form));
    }
    case "set configure": {
      const form = findForm(request);
      if (!form) throw new PubsubError("modify", "bad-request");
      service.configure(out, requester, node, form);
      return undefined;
    }
    case "get default":
      return wrap(NS.pubsubOwner, xml("default", {}, configForm(service.host.defaults(), "form")));
    case "set delete":
      service.delete(out, requester, node);
      return undefined;
    case "set purge":
      service.purge(out, requester, node);
      return undefined;
    case "get subscriptions":
      return wrap(NS.pubsubOwner, xml("subscriptions", { node }, ...service.ownerSubscriptions(requester, node).map((s) => xml("subscription", { jid: s.jid, subscription: s.state, subid: s.subid }))));
    case "set subscriptions":
      service.setSubscriptions(out, requester, node, request.getChildren("subscription").map((s) => ({ jid: s.attrs.jid ?? "", subscription: s.attrs.subscription ?? "" })));
      return undefined;
    case "get affiliations":
      return wrap(NS.pubsubOwner, xml("affiliations", { node }, ...service.ownerAffiliations(requester, node).map(([jid, affiliation]) => xml("affiliation", { jid, affiliation }))));
    case "set affiliations":
      service.setAffiliations(out, requester, node, request.getChildren("affiliation").map((a) => ({ jid: a.attrs.jid ?? "", affiliation: a.attrs.affiliation ?? "" })));
      return undefined;
    default:
      throw unsupported();
  }
}

/**
 * disco#info on a node (XEP-0060 5.3, 5.4): identity pubsub/leaf and its metadata
 * form; undefined when `requester` may not see the node, which the caller answers
 * with item-not-found as for a missing node.
 */
export function nodeInfo(service: PubsubService, node: PubsubNode, requester: Jid): Element[] | undefined {
  if (!service.visible(node, requester.bare)) return undefined;
  return [
    xml("identity", { category: "pubsub", type: "leaf" }),
    xml("feature", { var: NS.pubsub }),
    metaDataForm(service, node, true),
  ];
}

/**
 * disco#items of the service (its nodes the requester may see) or of a node: one item
 * per published item, named by its ItemID and with no node attribute (XEP-0060 5.5,
 * PS-11). undefined for a node that is missing or hidden from the requester.
 */
export function discoItems(service: PubsubService, nodeName: string | undefined, requester: Jid): Element[] | undefined {
  if (nodeName === undefined) {
    return [...service.nodes.values()].filter((n) => service.visible(n, requester.bare)).map((n) => xml("item", { jid: service.host.jid, node: n.name, name: n.config.title || undefined }));
  }
  const node = service.nodes.get(nodeName);
  if (!node || !service.visible(node, requester.bare)) return undefined;
  const withNode = service.host.has("pubsub.node-items-with-node");
  const items = [...node.items.keys()].map((id) => xml("item", { jid: service.host.jid, node: withNode ? id : undefined, name: id }));
  // EXTDISCO-02, REL-11: without the extended discovery form, children stay out of a node's listing.
  if (!service.host.has("extdisco.children-in-plain-disco")) return items;
  return [...items, ...childNodes(service.nodes, node.name).map((c) => xml("item", { jid: service.host.jid, node: c.name }))];
}

/**
 * The answer to a disco#items request: XEP-0060 5.2/5.5 without a
 * urn:xmpp:pubsub-ext-disco:0 form, XEP-0499 with one (ext-disco.ts).
 */
export function discoItemsReply(service: PubsubService, iq: Element, requester: Jid): Element {
  const query = iq.getChild("query", NS.discoItems)!;
  const node = query.attrs.node;
  const form = findForm(query, NS.pubsubExtDisco);
  if (!form) {
    const items = discoItems(service, node, requester);
    return items ? resultFor(iq, xml("query", { xmlns: NS.discoItems, node }, ...items)) : errorFor(iq, "cancel", "item-not-found");
  }
  try {
    const set = query.getChildren("set").find((c) => c.getNS() === NS.rsm);
    return resultFor(iq, xml("query", { xmlns: NS.discoItems, node }, ...extendedItems(service, node, requester, form, set)));
  } catch (e) {
    if (!(e instanceof PubsubError)) throw e;
    return errorFor(iq, e.type, e.condition, e.text);
  }
}
