// The generic pubsub service at pubsub.<domain> (XEP-0060): any local account creates
// nodes there and owns what it creates; notifications go to explicit subscribers,
// at the JID they subscribed with. The router hands it every stanza for its domain
// (`service-stanza`): pubsub requests, disco, ping, and owners' answers to
// subscription authorization requests.
import { NS } from "../../../xmpp/ns.js";
import { xml, type Element } from "../../../xmpp/element.js";
import type { ServerContext } from "../../context.js";
import { parseJid, type Jid } from "../../jid.js";
import { answerable, errorFor, resultFor } from "../../replies.js";
import { bounce, route } from "../../router.js";
import type { Session } from "../../session.js";
import { defaultConfig } from "./config.js";
import { authorizationForm, readAuthorization } from "./events.js";
import { discoItemsReply, nodeInfo, pubsubRequest, serviceFeatures } from "./requests.js";
import { PubsubService, type Outbox, type Recipient, type ServiceHost } from "./service.js";
import type { PubsubNode } from "./node.js";
import { filtersRemotely } from "./remote-filtering.js";

export class DomainPubsub implements ServiceHost {
  readonly jid: string;
  readonly autoCreate = false;
  readonly service: PubsubService;

  constructor(private readonly ctx: ServerContext) {
    this.jid = `pubsub.${ctx.config.domain}`;
    this.service = new PubsubService(this);
  }

  has(fault: string): boolean {
    return this.ctx.faults.has(fault);
  }

  defaults() {
    return defaultConfig("open");
  }

  mayCreate(requester: Jid): boolean {
    return requester.domain === this.ctx.config.domain && requester.local !== "" && this.ctx.store.hasUser(requester.local);
  }

  notificationFrom(): string {
    return this.jid;
  }

  rosterItem(owner: string, contact: string) {
    const jid = parseJid(owner);
    return jid?.local && jid.domain === this.ctx.config.domain && this.ctx.store.hasUser(jid.local) ? this.ctx.rosters.items(jid.local).get(contact) : undefined;
  }

  recipients(node: PubsubNode, pending: boolean): Recipient[] {
    return this.subscribers(node, pending).map((jid) => ({ jid }));
  }

  subscribers(node: PubsubNode, pending: boolean): string[] {
    return [...node.subscriptions.values()].filter((s) => s.state === "subscribed" || pending).map((s) => s.jid);
  }

  filtersRemotely(jid: string): boolean {
    return filtersRemotely(this.ctx, jid);
  }

  send(out: Outbox): void {
    for (const el of out) route(this.ctx, el);
  }

  /** A stanza for pubsub.<domain>. */
  stanza(el: Element, to: Jid): void {
    const from = parseJid(el.attrs.from ?? "");
    if (!from) return;
    if (to.local || to.resource) {
      if (el.name !== "presence") bounce(this.ctx, el, "cancel", "service-unavailable");
      return;
    }
    if (el.name === "message") {
      const form = authorizationForm(el);
      const answer = form && readAuthorization(form);
      const out: Outbox = [];
      if (answer) this.service.authorize(out, from, answer);
      return this.send(out);
    }
    if (el.name !== "iq" || !answerable(el)) return;
    const out: Outbox = [];
    route(this.ctx, this.answer(el, from, out));
    this.send(out);
  }

  private answer(iq: Element, from: Jid, out: Outbox): Element {
    const payloads = iq.getChildElements();
    if (payloads.length !== 1) return errorFor(iq, "modify", "bad-request", "an iq get/set has exactly one child");
    const payload = payloads[0]!;
    const ns = payload.getNS();
    if (payload.name === "pubsub" && (ns === NS.pubsub || ns === NS.pubsubOwner)) return pubsubRequest(this.service, iq, from, out);
    if (iq.attrs.type !== "get") return errorFor(iq, "cancel", "service-unavailable");
    const node = payload.attrs.node;
    if (ns === NS.discoInfo) {
      if (node === undefined) {
        return resultFor(iq, xml("query", { xmlns: NS.discoInfo }, xml("identity", { category: "pubsub", type: "service", name: "Publish-Subscribe" }), ...[NS.discoInfo, NS.discoItems, ...serviceFeatures((f) => this.has(f))].map((v) => xml("feature", { var: v }))));
      }
      const found = this.service.nodes.get(node);
      const info = found && nodeInfo(this.service, found, from);
      return info ? resultFor(iq, xml("query", { xmlns: NS.discoInfo, node }, ...info)) : errorFor(iq, "cancel", "item-not-found");
    }
    if (ns === NS.discoItems) return discoItemsReply(this.service, iq, from);
    if (ns === NS.ping) return resultFor(iq);
    return errorFor(iq, "cancel", "service-unavailable");
  }

  /** on_sub_and_presence: a subscriber's resource coming online gets the last items (XEP-0060 4.4). */
  available(session: Session): void {
    const out: Outbox = [];
    for (const node of this.service.nodes.values()) {
      if (node.config.sendLastPublishedItem === "on_sub_and_presence" && this.service.subscribed(node, session.jid)) this.service.lastItemTo(out, node, session.jid.full);
    }
    this.send(out);
  }
}
