// XEP-0060 publish-subscribe and XEP-0163 PEP: one module, because both are services
// of one node engine (service.ts) and a module may not import another. It serves
// pubsub.<domain> (domain-service.ts) and every account's PEP service (pep.ts), and
// declares the faults of the pubsub suite's PS and PEP rules.
import { xml } from "../../../xmpp/element.js";
import { NS } from "../../../xmpp/ns.js";
import { parseJid } from "../../jid.js";
import { defineModule } from "../../module.js";
import { errorFor, resultFor } from "../../replies.js";
import { DomainPubsub } from "./domain-service.js";
import { authorizationForm, readAuthorization } from "./events.js";
import { Pep, PEP_FEATURES, PEP_IDENTITY } from "./pep.js";
import { discoItemsReply, nodeInfo, pubsubRequest, serviceFeatures } from "./requests.js";
import type { Outbox } from "./service.js";

export default defineModule({
  name: "pubsub",
  faults: {
    "pubsub.bare-subscribe-result": { rules: ["PS-02"], description: "answers a successful subscribe with an empty result, without its <subscription/>" },
    "pubsub.subscribe-ignores-access": { rules: ["PS-03"], description: "lets anyone subscribe whatever the access model (presence, roster, whitelist)" },
    "pubsub.resubscribe-error": { rules: ["PS-04"], description: "answers a repeated subscribe with conflict instead of the current subscription" },
    "pubsub.no-last-item-on-subscribe": { rules: ["PS-05"], description: "sends no last published item to a new subscriber while advertising pubsub#last-published" },
    "pubsub.unsubscribe-not-subscribed-ok": { rules: ["PS-06"], description: "answers the unsubscribe of a JID that is not subscribed with success instead of not-subscribed" },
    "pubsub.subscriptions-list-empty": { rules: ["PS-07"], description: "lists no subscriptions when an entity asks for its own" },
    "pubsub.no-subscription-notification": { rules: ["PS-08"], description: "sends no subscription-state notification on approval, denial or cancellation" },
    "pubsub.purge-as-retracts": { rules: ["PS-09"], description: "notifies a purge with one retraction per item instead of one <purge/>" },
    "pubsub.no-delete-notify": { rules: ["PS-09"], description: "deletes a node without telling its subscribers" },
    "pubsub.no-config-notify": { rules: ["PS-09"], description: "sends no <configuration/> notification when notify_config is set" },
    "pubsub.reused-notification-id": { rules: ["PS-10"], description: "gives every notification of a node the same id" },
    "pubsub.node-items-with-node": { rules: ["PS-11"], description: "lists a node's items in disco#items with a node attribute (the ItemID) besides the name" },
    "pubsub.pep-no-identity": { rules: ["PEP-01"], description: "leaves the pubsub/pep identity out of the account's disco#info" },
    "pubsub.pep-no-auto-create": { rules: ["PEP-02", "PEP-03", "PEP-04", "PEP-05", "PEP-06", "PEP-07", "CAPS-02", "CAPS-03", "PS-02", "PS-03", "PS-05"], description: "refuses to publish to a PEP node that does not exist (item-not-found)" },
    "pubsub.pep-no-auto-subscribe": { rules: ["PEP-03", "PEP-04", "PEP-05", "PEP-06", "PEP-07", "CAPS-02", "CAPS-03"], description: "notifies the owner and explicit subscribers only, not contacts with a presence subscription" },
    "pubsub.pep-notify-without-subscription": { rules: ["PEP-03"], description: "treats every roster contact as auto-subscribed, with or without a presence subscription" },
    "pubsub.pep-ignore-notify-filter": { rules: ["PEP-04"], description: "notifies every available resource, whether or not its caps carry NodeID+notify" },
    "pubsub.pep-full-jid-from": { rules: ["PEP-05"], description: "sends PEP item notifications from the publishing resource's full JID" },
    "pubsub.duplicate-notify": { rules: ["PEP-05", "PEP-04"], description: "notifies a contact's bare JID as well as each interested resource, which so gets it twice" },
    "pubsub.pep-no-last-item-on-presence": { rules: ["PEP-06"], description: "sends no last item when an interested resource comes online" },
    "pubsub.pep-last-item-on-every-presence": { rules: ["PEP-06"], description: "sends the last items again on every available presence, not only the initial one" },
    "pubsub.pep-open-by-default": { rules: ["PEP-07", "PS-03"], description: "creates PEP nodes with the open access model instead of presence" },
    "pubsub.keep-subscription-without-access": { rules: ["PEP-07", "PS-08"], description: "keeps a subscription to a presence or roster node after its subscriber lost access" },
    // XEP-0351 as a sender (service.ts, remote-filtering.ts).
    "rsf.sender-respects-notify-settings": { rules: ["RSF-03"], description: "holds back from a server that filters the events the node's notify_retract, notify_delete, notify_config and notify_sub switch off" },
    "rsf.sender-bcc-model": { rules: ["RSF-04"], description: "sends one notification per filtering server, to its domain with the users as XEP-0033 bcc addresses, as the withdrawn 0.0.1 draft did, instead of one per user to its bare JID" },
    "rsf.sub-event-to-all": { rules: ["RSF-03"], description: "sends subscription events to every user at a filtering server, not only to the node's owners and the affected subscriber" },
    // XEP-0496 relationships and XEP-0499 extended discovery (relationships.ts, ext-disco.ts, requests.ts).
    "extdisco.rel-no-feature": { rules: ["REL-01"], description: "leaves urn:xmpp:pubsub-relationships:0 out of the services' disco#info" },
    "extdisco.rel-not-in-config": { rules: ["REL-02"], description: "keeps parent and link but leaves them out of the configuration form the owner reads" },
    "extdisco.rel-cycles-allowed": { rules: ["REL-03"], description: "accepts parent and link relationships that make a cycle" },
    "extdisco.rel-link-no-parent-copy": { rules: ["REL-04"], description: "neither copies the linked node's parent onto a new linking node nor refuses a different one" },
    "extdisco.rel-link-parent-not-followed": { rules: ["REL-05"], description: "leaves linking nodes at their old parent when the linked node's parent changes" },
    "extdisco.rel-parent-on-linking": { rules: ["REL-06"], description: "lets a client set the parent of a node that has a link" },
    "extdisco.rel-no-link-cascade": { rules: ["REL-07"], description: "deletes a linked node and leaves its linking nodes" },
    "extdisco.rel-link-inherits-access": { rules: ["REL-08"], description: "treats a link like a parent: a linking node also needs access to the node it links to" },
    "extdisco.rel-no-subtree-cascade": { rules: ["REL-09"], description: "deletes a parent and leaves its children" },
    "extdisco.rel-unparent-ignored": { rules: ["REL-14"], description: "ignores a configuration clearing a node's parent, so that deleting the old parent still takes the node" },
    "extdisco.rel-cascade-silent": { rules: ["REL-09"], description: "deletes a subtree without telling the subscribers of the nodes deleted with it" },
    "extdisco.rel-read-ignores-ancestors": { rules: ["REL-10", "EXTDISCO-09"], description: "grants reading, subscribing and discovery under the node's own access model alone, ignoring its ancestors'" },
    "extdisco.rel-publish-ignores-ancestors": { rules: ["REL-10"], description: "grants publishing under the node's own publish rights alone, ignoring its ancestors'" },
    "extdisco.rel-name-per-parent": { rules: ["REL-12"], description: "lets a node be created with a NodeID that exists under another parent, replacing that node" },
    "extdisco.rel-auto-overrides": { rules: ["REL-13"], description: "gives a new comments node its blog node as parent even when the creator set another" },
    "extdisco.no-feature": { rules: ["EXTDISCO-01"], description: "leaves urn:xmpp:pubsub-ext-disco:0 out of the services' disco#info" },
    "extdisco.children-in-plain-disco": { rules: ["EXTDISCO-02", "REL-11"], description: "lists a node's children in a plain disco#items of the node, without the extended discovery form" },
    "extdisco.type-ignored": { rules: ["EXTDISCO-03"], description: "returns items and nodes whatever the type field selects" },
    "extdisco.type-default-nodes": { rules: ["EXTDISCO-03"], description: "returns nodes only when the request has no type field, instead of items and nodes" },
    "extdisco.invalid-fields-ignored": { rules: ["EXTDISCO-03", "EXTDISCO-06"], description: "drops a type value other than items and nodes, and reads a depth that is no integer as 0, instead of answering bad-request" },
    "extdisco.linked-by-default": { rules: ["EXTDISCO-04"], description: "includes linking nodes when linked_nodes is not given (its default is false)" },
    "extdisco.full-metadata-always": { rules: ["EXTDISCO-05"], description: "returns the full metadata form when full_metadata is not given (its default is false)" },
    "extdisco.depth-unbounded": { rules: ["EXTDISCO-06"], description: "returns every descendant whatever the depth asked for" },
    "extdisco.items-without-node": { rules: ["EXTDISCO-07"], description: "lists pubsub items without the node attribute, as a plain XEP-0060 listing would" },
    "extdisco.no-relationship-fields": { rules: ["EXTDISCO-08"], description: "leaves the parent field out of the nodes' metadata forms" },
    "extdisco.hidden-nodes-listed": { rules: ["EXTDISCO-09"], description: "lists nodes (and their contents) the requester may not access" },
    "extdisco.rsm-overlap": { rules: ["EXTDISCO-10"], description: "starts the page after <after/> with the entry <after/> names, repeating it" },
  },
  load(ctx) {
    const domain = new DomainPubsub(ctx);
    const pep = new Pep(ctx);

    ctx.hooks.on("service-stanza", ({ el, to }) => to.domain === domain.jid && (domain.stanza(el, to), true));
    ctx.hooks.on("disco-items", ({ node, items }) => {
      if (node === undefined) items.push(xml("item", { jid: domain.jid, name: "Publish-Subscribe" }));
    });

    if (!ctx.faults.has("pubsub.pep-no-identity")) ctx.accountIdentities.push(PEP_IDENTITY);
    for (const f of [...serviceFeatures((f) => ctx.faults.has(f)), ...PEP_FEATURES]) ctx.features.account.add(f);
    for (const type of ["get", "set"] as const) {
      for (const scope of ["host", "self", "bare"] as const) {
        for (const ns of [NS.pubsub, NS.pubsubOwner]) {
          ctx.hooks.on(`iq-${type}/${scope}/${ns}:pubsub`, ({ iq, to, afterReply }) => {
            const requester = parseJid(iq.attrs.from ?? "");
            // Without 'to' a client addresses its own account (RFC 6120 10.3.3); the domain itself has no PEP.
            if (!requester || (to && !to.local)) return undefined;
            const out: Outbox = [];
            const reply = pubsubRequest(pep.service(to?.bare ?? requester.bare), iq, requester, out);
            afterReply(() => pep.send(out));
            return reply;
          });
        }
      }
    }
    for (const scope of ["self", "bare"] as const) {
      // Above the disco module, which answers for the account itself (no node).
      ctx.hooks.on(
        `iq-get/${scope}/${NS.discoInfo}:query`,
        ({ iq, to }) => {
          const node = iq.getChild("query")?.attrs.node;
          const requester = parseJid(iq.attrs.from ?? "");
          if (node === undefined || !requester || !to) return undefined;
          const service = pep.service(to.bare);
          const found = service.nodes.get(node);
          const info = found && nodeInfo(service, found, requester);
          return info ? resultFor(iq, xml("query", { xmlns: NS.discoInfo, node }, ...info)) : errorFor(iq, "cancel", "item-not-found");
        },
        10,
      );
      ctx.hooks.on(`iq-get/${scope}/${NS.discoItems}:query`, ({ iq, to }) => {
        const requester = parseJid(iq.attrs.from ?? "");
        if (!requester || !to) return undefined;
        return discoItemsReply(pep.service(to.bare), iq, requester);
      });
    }
    // An owner answers its PEP service's authorization request by writing to its own bare JID.
    ctx.hooks.on("message/bare", ({ el, to }) => {
      const form = authorizationForm(el);
      const from = parseJid(el.attrs.from ?? "");
      if (!form || from?.bare !== to.bare) return undefined;
      const answer = readAuthorization(form);
      const out: Outbox = [];
      if (answer) pep.service(to.bare).authorize(out, from, answer);
      pep.send(out);
      return true;
    });

    ctx.hooks.on("presence-available", ({ session, initial }) => {
      if (initial) domain.available(session);
      if (ctx.faults.has("pubsub.pep-no-last-item-on-presence")) return;
      if (initial) return pep.lastItems(session);
      if (ctx.faults.has("pubsub.pep-last-item-on-every-presence")) {
        pep.unavailable(session);
        pep.lastItems(session);
      }
    });
    ctx.hooks.on("caps-changed", ({ session }) => {
      if (!ctx.faults.has("pubsub.pep-no-last-item-on-presence")) pep.lastItems(session);
    });
    ctx.hooks.on("presence-unavailable", ({ session }) => pep.unavailable(session));
    ctx.hooks.on("roster-changed", ({ username, jid, item }) => {
      pep.rosterChanged(`${username}@${ctx.config.domain}`, jid, item);
      const out: Outbox = [];
      if (!ctx.faults.has("pubsub.keep-subscription-without-access")) domain.service.recheck(out, undefined, jid);
      domain.send(out);
    });
    ctx.hooks.on("pubsub-subscriptions", ({ account, hosted, list }) => {
      for (const [service, engine] of [[domain.jid, domain.service] as const, ...pep.all()]) {
        hosted.add(service);
        for (const [node, sub] of engine.subscriptionsOf(account, undefined)) {
          list.push({ service, node: node.name, jid: sub.jid, subscription: sub.state, subid: sub.subid });
        }
      }
    });
    ctx.hooks.on("account-removing", ({ jid }) => {
      pep.forget(jid.bare);
      const out: Outbox = [];
      domain.service.forget(out, jid.bare);
      domain.send(out);
    });
  },
});
