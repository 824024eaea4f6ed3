// The node engine both pubsub services share, pubsub.<domain> and every account's PEP
// service: node life cycle, items, subscriptions and affiliations under the access
// models of XEP-0060 4.5, and the notifications each change causes. It knows nothing
// of the wire (requests.ts) nor of whom the service is for: its ServiceHost says who
// may create nodes, what a node defaults to, which rosters the presence and roster
// models read and who receives a node's notifications. Operations throw PubsubError
// and put the messages they cause in an outbox, which the caller sends after its reply.
// A subscriber whose server filters notifications itself (XEP-0351) gets every event at
// its bare JID whatever the node's notify_* options say; everyone else, as XEP-0060 says.
import clone from "ltx/lib/clone.js";
import { newId } from "../../../xmpp/builders.js";
import { childElements, xml, type Element } from "../../../xmpp/element.js";
import { findForm, formBoolean } from "../../../xmpp/forms.js";
import { NS } from "../../../xmpp/ns.js";
import type { PubsubErrorCondition } from "../../../xmpp/pubsub.js";
import { parseJid, type Jid } from "../../jid.js";
import { hasFrom } from "../../rosters.js";
import type { RosterItem } from "../../store.js";
import { REL_PARENT } from "../../../xmpp/extdisco.js";
import { applyConfig, configForm, submits, unmetPrecondition, type NodeConfig } from "./config.js";
import {
  authorizationRequest,
  configurationEvent,
  deleteEvent,
  delayOf,
  eventMessage,
  itemsEvent,
  purgeEvent,
  replyTo,
  retractEvent,
  subscriptionEvent,
  type Authorization,
} from "./events.js";
import { AFFILIATIONS, newItemId, PubsubError, PubsubNode, type Affiliation, type Item, type Subscription } from "./node.js";
import { ancestors, automatic, dependents, settle, type Faults } from "./relationships.js";

/** Messages an operation causes, sent once its reply is. */
export type Outbox = Element[];

/** Someone a node notification goes to; `replyTo` adds the publisher as XEP-0033 replyto. */
export interface Recipient {
  jid: string;
  replyTo?: boolean;
}

export interface ServiceHost {
  /** The service's address: pubsub.<domain>, or the account's bare JID for PEP. */
  readonly jid: string;
  /** Publishing to a node that does not exist creates it (XEP-0060 7.1.4). */
  readonly autoCreate: boolean;
  has(fault: string): boolean;
  defaults(): NodeConfig;
  mayCreate(requester: Jid): boolean;
  /** Where notifications of an item come from (PEP: the owner's bare JID, XEP-0163 4.3.1). */
  notificationFrom(publisher: string | undefined): string;
  /** The item `owner`'s roster has for `contact`, which the presence and roster models read. */
  rosterItem(owner: string, contact: string): RosterItem | undefined;
  /** Who receives this node's notifications; `pending` adds pending subscribers (a deletion). */
  recipients(node: PubsubNode, pending: boolean): Recipient[];
  /** Every JID subscribed to the node, explicitly (pending ones too with `pending`) or, for PEP, through presence. */
  subscribers(node: PubsubNode, pending: boolean): string[];
  /** XEP-0351: whether `jid` is a user whose server filters notifications itself. */
  filtersRemotely(jid: string): boolean;
}

const err = (type: PubsubError["type"], condition: PubsubError["condition"], app?: PubsubErrorCondition, feature?: string) => new PubsubError(type, condition, app, feature);
const forbidden = () => err("auth", "forbidden");
const notFound = () => err("cancel", "item-not-found");
const PRIVILEGED: readonly Affiliation[] = ["owner", "publisher", "member"];

/** The bare JID of a subscription's JID (a full JID, a bare JID or a domain). */
const bareOf = (jid: string) => parseJid(jid)?.bare ?? jid;

export class PubsubService {
  readonly nodes = new Map<string, PubsubNode>();
  /** The host's fault switches, as the relationship checks take them. */
  private readonly faults: Faults = (f) => this.host.has(f);

  constructor(readonly host: ServiceHost) {}

  /** The node a request names: nodeid-required without a name, item-not-found when missing. */
  node(name: string | undefined): PubsubNode {
    if (name === undefined) throw err("modify", "bad-request", "nodeid-required");
    const node = this.nodes.get(name);
    if (!node) throw notFound();
    return node;
  }

  private owned(requester: Jid, name: string | undefined): PubsubNode {
    const node = this.node(name);
    if (node.affiliation(requester.bare) !== "owner") throw forbidden();
    return node;
  }

  /**
   * Why `bare` may not subscribe to or retrieve from `node` (the table of XEP-0060 6.1.3),
   * or undefined when it may. The authorize model lets anyone ask; the caller makes the
   * subscription pending.
   */
  refusal(node: PubsubNode, bare: string): PubsubError | undefined {
    return this.ownRefusal(node, bare) ?? this.ancestorRefusal(node, bare);
  }

  /** REL-10: the refusal of the first ancestor (parent, its parent, ...) whose access model keeps `bare` out. */
  private ancestorRefusal(node: PubsubNode, bare: string): PubsubError | undefined {
    if (this.host.has("extdisco.rel-read-ignores-ancestors")) return undefined;
    for (const a of ancestors(this.nodes, this.faults, node)) {
      const refusal = this.ownRefusal(a, bare);
      if (refusal) return refusal;
    }
    return undefined;
  }

  /** The access model of the node itself. */
  private ownRefusal(node: PubsubNode, bare: string): PubsubError | undefined {
    const affiliation = node.affiliation(bare);
    if (affiliation === "outcast" || affiliation === "publish-only") return forbidden();
    if (PRIVILEGED.includes(affiliation)) return undefined;
    const items = node.owners().map((o) => this.host.rosterItem(o, bare));
    switch (node.config.accessModel) {
      case "open":
      case "authorize":
        return undefined;
      case "presence":
        return items.some((i) => i && hasFrom(i.subscription)) ? undefined : err("auth", "not-authorized", "presence-subscription-required");
      case "roster":
        return items.some((i) => i?.groups.some((g) => node.config.rosterGroupsAllowed.includes(g))) ? undefined : err("auth", "not-authorized", "not-in-roster-group");
      case "whitelist":
        return err("cancel", "not-allowed", "closed-node");
    }
  }

  /** Whether disco shows `node` to `bare`: nodes it could subscribe to or read (XEP-0163 6.2). */
  visible(node: PubsubNode, bare: string): boolean {
    return !this.refusal(node, bare);
  }

  /** Whether `jid` gets the node's items as a subscriber, subscribed at its full or its bare JID. */
  subscribed(node: PubsubNode, jid: Jid): boolean {
    return [jid.full, jid.bare].some((j) => node.subscriptions.get(j)?.state === "subscribed");
  }

  create(requester: Jid, name: string | undefined, configure: Element | undefined): string {
    if (!this.host.mayCreate(requester)) throw forbidden();
    const id = name ?? newId("node");
    let config = this.host.defaults();
    const form = configure && findForm(configure);
    if (form) {
      const applied = applyConfig(config, form);
      if ("invalid" in applied) throw err("modify", "not-acceptable");
      config = applied;
    }
    const existing = this.nodes.get(id);
    // REL-12: NodeIDs are unique on the whole service, wherever a node sits in the hierarchy.
    if (existing && !(this.host.has("extdisco.rel-name-per-parent") && existing.config.parent !== config.parent)) throw err("cancel", "conflict");
    if (existing) this.nodes.delete(id);
    this.place(new PubsubNode(id, this.host.defaults(), requester.bare), automatic(this.nodes, this.faults, id, config, form), form);
    return id;
  }

  /**
   * Gives `node` the configuration `next`, whose relationships XEP-0496 must allow
   * (relationships.ts), adding it to the service if it is new; its linking nodes follow
   * a parent change. `form`: what the client submitted, if anything.
   */
  private place(node: PubsubNode, next: NodeConfig, form: Element | undefined): void {
    const parentGiven = next.parent !== node.config.parent || (form !== undefined && submits(form, REL_PARENT));
    const follow = settle(this.nodes, this.faults, node.name, node.config, next, parentGiven);
    node.config = next;
    this.nodes.set(node.name, node);
    for (const [linking, parent] of follow) linking.config = { ...linking.config, parent };
  }

  configuration(requester: Jid, name: string | undefined): NodeConfig {
    return this.owned(requester, name).config;
  }

  configure(out: Outbox, requester: Jid, name: string | undefined, form: Element): void {
    const node = this.owned(requester, name);
    if (form.attrs.type === "cancel") return;
    const next = applyConfig(node.config, form);
    if ("invalid" in next) throw err("modify", "not-acceptable");
    this.place(node, next, form);
    node.trim();
    this.recheck(out, node);
    const classic = next.notifyConfig && !this.host.has("pubsub.no-config-notify");
    this.broadcast(out, node, configurationEvent(node.name, next.deliverPayloads ? configForm(next, "result") : undefined), { classic });
  }

  delete(out: Outbox, requester: Jid, name: string | undefined): void {
    const node = this.owned(requester, name);
    this.remove(out, node);
  }

  /**
   * Deletes a node, telling everyone subscribed, pending ones too (XEP-0060 8.4), and with
   * it its linking nodes and its children, theirs in turn (REL-07, REL-09), whose
   * subscribers are told the same way.
   */
  private remove(out: Outbox, node: PubsubNode, cascaded = false): void {
    if (this.nodes.get(node.name) !== node) return;
    const silent = cascaded && this.host.has("extdisco.rel-cascade-silent");
    const classic = node.config.notifyDelete && !silent && !this.host.has("pubsub.no-delete-notify");
    this.broadcast(out, node, deleteEvent(node.name), { pending: true, classic });
    this.nodes.delete(node.name);
    for (const dependent of dependents(this.nodes, this.faults, node)) this.remove(out, dependent, true);
  }

  purge(out: Outbox, requester: Jid, name: string | undefined): void {
    const node = this.owned(requester, name);
    if (!node.config.persistItems) throw err("cancel", "feature-not-implemented", "unsupported", "persistent-items");
    const ids = [...node.items.keys()];
    node.items.clear();
    const classic = node.config.notifyRetract;
    // One <purge/> per subscriber, never a retraction per item (XEP-0060 8.5).
    if (this.host.has("pubsub.purge-as-retracts")) for (const id of ids) this.broadcast(out, node, retractEvent(node.name, [id]), { classic });
    else this.broadcast(out, node, purgeEvent(node.name), { classic });
  }

  /** Publishes one item (or creates the node first, with the preconditions as its configuration); returns its id. */
  publish(out: Outbox, requester: Jid, name: string | undefined, item: Element | undefined, options: Element | undefined): string {
    if (name === undefined) throw err("modify", "bad-request", "nodeid-required");
    let node = this.nodes.get(name);
    if (!node) {
      if (!this.host.autoCreate) throw notFound();
      if (!this.host.mayCreate(requester)) throw forbidden();
      const config = options ? applyConfig(this.host.defaults(), options, true) : this.host.defaults();
      if ("invalid" in config) throw err("cancel", "conflict", "precondition-not-met");
      node = new PubsubNode(name, this.host.defaults(), requester.bare);
      this.place(node, automatic(this.nodes, this.faults, name, config, options), options);
    } else if (options && unmetPrecondition(node.config, options) !== undefined) {
      throw err("cancel", "conflict", "precondition-not-met");
    }
    if (!this.mayPublish(node, requester)) throw forbidden();
    const payloads = item ? childElements(item) : [];
    if (!item && (node.config.persistItems || node.config.deliverPayloads)) throw err("modify", "bad-request", "item-required");
    if (payloads.length > 1) throw err("modify", "bad-request", "invalid-payload");
    if (payloads.length === 0 && (node.config.persistItems || node.config.deliverPayloads)) throw err("modify", "bad-request", "payload-required");
    const stored: Item = { id: item?.attrs.id || newItemId(), payload: payloads[0] && standalone(payloads[0]), publisher: requester.full, published: new Date() };
    node.store(stored);
    this.broadcast(out, node, itemsEvent(node.name, [stored], node.config.deliverPayloads), { publisher: requester.full });
    return stored.id;
  }

  /** Publish rights on the node and, REL-10, on every ancestor. */
  private mayPublish(node: PubsubNode, requester: Jid): boolean {
    if (!this.mayPublishOn(node, requester)) return false;
    return this.host.has("extdisco.rel-publish-ignores-ancestors") || ancestors(this.nodes, this.faults, node).every((a) => this.mayPublishOn(a, requester));
  }

  private mayPublishOn(node: PubsubNode, requester: Jid): boolean {
    const affiliation = node.affiliation(requester.bare);
    if (affiliation === "owner" || affiliation === "publisher" || affiliation === "publish-only") return true;
    if (affiliation === "outcast") return false;
    return node.config.publishModel === "open" || (node.config.publishModel === "subscribers" && this.subscribed(node, requester));
  }

  retract(out: Outbox, requester: Jid, name: string | undefined, id: string | undefined, notify: string | undefined): void {
    const node = this.node(name);
    if (!id) throw err("modify", "bad-request", "item-required");
    const item = node.items.get(id);
    const affiliation = node.affiliation(requester.bare);
    const own = item !== undefined && bareOf(item.publisher) === requester.bare;
    if (!(affiliation === "owner" || affiliation === "publisher" || (affiliation === "publish-only" && own))) throw forbidden();
    if (!item) throw notFound();
    node.items.delete(id);
    // notify='true' or '1' MUST notify (XEP-0060 7.2.2.1); notify_retract asks for it on every retraction.
    this.broadcast(out, node, retractEvent(node.name, [id]), { classic: formBoolean(notify) === true || node.config.notifyRetract });
  }

  /** Items for a requester allowed to read them, the most recent `max` (XEP-0060 6.5.7), or those named. */
  items(requester: Jid, name: string | undefined, max: number | undefined, ids: string[]): Item[] {
    const node = this.node(name);
    const inherited = this.ancestorRefusal(node, requester.bare);
    if (inherited) throw inherited;
    if (node.config.accessModel === "authorize" && !PRIVILEGED.includes(node.affiliation(requester.bare))) {
      if (node.affiliation(requester.bare) === "outcast") throw forbidden();
      if (!this.subscribed(node, requester)) throw err("auth", "not-authorized", "not-subscribed");
    } else {
      const refusal = this.refusal(node, requester.bare);
      if (refusal) throw refusal;
    }
    if (!node.config.persistItems) throw err("cancel", "feature-not-implemented", "unsupported", "persistent-items");
    let list = [...node.items.values()];
    if (ids.length > 0) {
      list = list.filter((i) => ids.includes(i.id));
      if (list.length === 0) throw notFound();
    }
    return max === undefined ? list : list.slice(-max);
  }

  subscribe(out: Outbox, requester: Jid, name: string | undefined, jidAttr: string | undefined): Subscription {
    const node = this.node(name);
    const jid = jidAttr === undefined ? undefined : parseJid(jidAttr);
    if (!jid || jid.bare !== requester.bare) throw err("modify", "bad-request", "invalid-jid");
    const existing = node.subscriptions.get(jid.full);
    if (existing?.state === "pending") throw err("auth", "not-authorized", "pending-subscription");
    if (existing) {
      // A repeated subscribe reports the subscription there is (XEP-0060 6.1.6).
      if (this.host.has("pubsub.resubscribe-error")) throw err("cancel", "conflict");
      return existing;
    }
    if (!this.host.has("pubsub.subscribe-ignores-access")) {
      const refusal = this.refusal(node, jid.bare);
      if (refusal) throw refusal;
    }
    const pending = node.config.accessModel === "authorize" && !PRIVILEGED.includes(node.affiliation(jid.bare));
    const sub = node.newSubscription(jid.full, pending ? "pending" : "subscribed");
    if (pending) {
      for (const owner of node.owners()) out.push(authorizationRequest(this.host.jid, owner, node.name, sub));
    } else {
      this.tellOwners(out, node, sub, "subscribed");
      this.welcome(out, node, sub);
    }
    return sub;
  }

  unsubscribe(out: Outbox, requester: Jid, name: string | undefined, jidAttr: string | undefined, subid: string | undefined): void {
    const node = this.node(name);
    const jid = jidAttr === undefined ? undefined : parseJid(jidAttr);
    if (!jid) throw err("modify", "bad-request", "invalid-jid");
    if (jid.bare !== requester.bare && node.affiliation(requester.bare) !== "owner") throw forbidden();
    const sub = node.subscriptions.get(jid.full);
    if (!sub) {
      if (this.host.has("pubsub.unsubscribe-not-subscribed-ok")) return;
      throw err("cancel", "unexpected-request", "not-subscribed");
    }
    if (subid !== undefined && subid !== sub.subid) throw err("modify", "not-acceptable", "invalid-subid");
    node.subscriptions.delete(sub.jid);
    this.subscriptionChanged(out, node, sub, "none");
    this.tellOwners(out, node, sub, "none");
  }

  /** The requester's subscriptions (XEP-0060 5.6), on one node or all. */
  subscriptionsOf(requester: Jid, name: string | undefined): Array<[PubsubNode, Subscription]> {
    const nodes = name === undefined ? [...this.nodes.values()] : [this.node(name)];
    if (this.host.has("pubsub.subscriptions-list-empty")) return [];
    return nodes.flatMap((n) => [...n.subscriptions.values()].filter((s) => bareOf(s.jid) === requester.bare).map((s): [PubsubNode, Subscription] => [n, s]));
  }

  /** The requester's affiliations (XEP-0060 5.7), on one node or all. */
  affiliationsOf(requester: Jid, name: string | undefined): Array<[PubsubNode, Affiliation]> {
    const nodes = name === undefined ? [...this.nodes.values()] : [this.node(name)];
    return nodes.filter((n) => n.affiliation(requester.bare) !== "none").map((n) => [n, n.affiliation(requester.bare)]);
  }

  ownerSubscriptions(requester: Jid, name: string | undefined): Subscription[] {
    return [...this.owned(requester, name).subscriptions.values()];
  }

  ownerAffiliations(requester: Jid, name: string | undefined): Array<[string, Affiliation]> {
    return [...this.owned(requester, name).affiliations];
  }

  /** An owner sets subscriptions (XEP-0060 8.8.2); each subscriber hears of its change. */
  setSubscriptions(out: Outbox, requester: Jid, name: string | undefined, entries: Array<{ jid: string; subscription: string }>): void {
    const node = this.owned(requester, name);
    const changes = entries.map((e) => ({ jid: parseJid(e.jid), state: e.subscription }));
    if (changes.some((c) => !c.jid || !["subscribed", "pending", "none"].includes(c.state))) throw err("modify", "bad-request");
    for (const { jid, state } of changes) {
      const key = jid!.full;
      const sub = node.subscriptions.get(key);
      if (state === "none") {
        if (!sub) continue;
        node.subscriptions.delete(key);
        this.subscriptionChanged(out, node, sub, "none");
      } else if (sub?.state !== state) {
        const changed = sub ?? node.newSubscription(key, state as Subscription["state"]);
        changed.state = state as Subscription["state"];
        this.subscriptionChanged(out, node, changed, changed.state);
        if (changed.state === "subscribed") this.welcome(out, node, changed);
      }
    }
  }

  /** An owner sets affiliations (XEP-0060 8.9.2); a node keeps at least one owner. */
  setAffiliations(out: Outbox, requester: Jid, name: string | undefined, entries: Array<{ jid: string; affiliation: string }>): void {
    const node = this.owned(requester, name);
    const changes = entries.map((e) => ({ jid: parseJid(e.jid), affiliation: e.affiliation as Affiliation }));
    if (changes.some((c) => !c.jid || c.jid.resource || !AFFILIATIONS.includes(c.affiliation))) throw err("modify", "bad-request");
    const next = new Map(node.affiliations);
    for (const { jid, affiliation } of changes) {
      if (affiliation === "none") next.delete(jid!.bare);
      else next.set(jid!.bare, affiliation);
    }
    if (![...next.values()].includes("owner")) throw err("modify", "not-acceptable");
    node.affiliations.clear();
    for (const [jid, a] of next) node.affiliations.set(jid, a);
    // An outcast loses its subscriptions, and so does whoever left a whitelist.
    for (const sub of [...node.subscriptions.values()]) {
      const affiliation = node.affiliation(bareOf(sub.jid));
      if (affiliation === "outcast" || (node.config.accessModel === "whitelist" && !PRIVILEGED.includes(affiliation))) {
        node.subscriptions.delete(sub.jid);
        this.subscriptionChanged(out, node, sub, "none");
      }
    }
  }

  /** An owner's answer to a pending subscription (XEP-0060 8.6); anything else is ignored. */
  authorize(out: Outbox, owner: Jid, answer: Authorization): void {
    const node = this.nodes.get(answer.node);
    if (!node || node.affiliation(owner.bare) !== "owner") return;
    const key = parseJid(answer.jid)?.full;
    const sub = key === undefined ? undefined : node.subscriptions.get(key);
    if (!sub || sub.state !== "pending" || (answer.subid !== undefined && answer.subid !== sub.subid)) return;
    if (answer.allow) {
      sub.state = "subscribed";
      this.subscriptionChanged(out, node, sub, "subscribed");
      this.tellOwners(out, node, sub, "subscribed");
      this.welcome(out, node, sub);
    } else {
      node.subscriptions.delete(sub.jid);
      this.subscriptionChanged(out, node, sub, "none");
    }
  }

  /**
   * Cancels the subscriptions of presence and roster nodes whose subscriber lost access
   * (a presence subscription cancelled, a roster group changed: XEP-0060 12.14,
   * XEP-0163 5), on one node or all, for one subscriber or all.
   */
  recheck(out: Outbox, only?: PubsubNode, subscriber?: string): void {
    for (const node of only ? [only] : this.nodes.values()) {
      // A node inherits its ancestors' access models (REL-10), so a presence or roster parent counts too.
      const models = [node, ...ancestors(this.nodes, this.faults, node)].map((n) => n.config.accessModel);
      if (!models.includes("presence") && !models.includes("roster")) continue;
      for (const sub of [...node.subscriptions.values()]) {
        const bare = bareOf(sub.jid);
        if ((subscriber === undefined || bare === subscriber) && this.refusal(node, bare)) {
          node.subscriptions.delete(sub.jid);
          this.subscriptionChanged(out, node, sub, "none");
        }
      }
    }
  }

  /** An account goes away: its subscriptions and affiliations with it, and the nodes it alone owned. */
  forget(out: Outbox, bare: string): void {
    for (const node of [...this.nodes.values()]) {
      for (const sub of [...node.subscriptions.values()]) if (bareOf(sub.jid) === bare) node.subscriptions.delete(sub.jid);
      node.affiliations.delete(bare);
      if (node.owners().length === 0) this.remove(out, node);
    }
  }

  /** The last published item, stamped with its publication time (XEP-0060 6.1.7, XEP-0163 4.3.4). */
  lastItemTo(out: Outbox, node: PubsubNode, to: string): void {
    const last = node.lastItem();
    if (!last) return;
    const from = this.host.notificationFrom(undefined);
    out.push(eventMessage(from, to, this.notificationId(node), itemsEvent(node.name, [last], node.config.deliverPayloads), delayOf(last, from)));
  }

  /** A new subscription's last item, when the node sends it on subscription (PS-05). */
  private welcome(out: Outbox, node: PubsubNode, sub: Subscription): void {
    if (node.config.sendLastPublishedItem === "never" || this.host.has("pubsub.no-last-item-on-subscribe")) return;
    this.lastItemTo(out, node, sub.jid);
  }

  /**
   * One notification per recipient, each with an id of its own (XEP-0060 12.3, PS-10):
   * to the classic recipients when the node's options ask for this event (`classic`,
   * default true), and in any case to every user whose server filters (RSF-03).
   */
  private broadcast(out: Outbox, node: PubsubNode, event: Element, opts: { pending?: boolean; publisher?: string; classic?: boolean } = {}): void {
    if (!node.config.deliverNotifications) return;
    const from = this.host.notificationFrom(opts.publisher);
    const classic = opts.classic ?? true;
    const pending = opts.pending ?? false;
    if (classic) {
      for (const r of this.host.recipients(node, pending)) {
        if (this.host.filtersRemotely(r.jid)) continue;
        out.push(eventMessage(from, r.jid, this.notificationId(node), clone(event), ...(r.replyTo && opts.publisher ? [replyTo(opts.publisher)] : [])));
      }
    }
    if (classic || !this.host.has("rsf.sender-respects-notify-settings")) this.filtered(out, node, from, event, this.filteringUsers(node, pending));
  }

  /** RSF-04: the bare JID of each subscribed user whose server filters, once. */
  private filteringUsers(node: PubsubNode, pending: boolean): string[] {
    return [...new Set(this.host.subscribers(node, pending).filter((j) => this.host.filtersRemotely(j)).map(bareOf))];
  }

  /** One message per user, to its bare JID (RSF-04), not the withdrawn XEP-0033 bcc to its server. */
  private filtered(out: Outbox, node: PubsubNode, from: string, event: Element, users: string[]): void {
    if (!this.host.has("rsf.sender-bcc-model")) {
      for (const user of users) out.push(eventMessage(from, user, this.notificationId(node), clone(event)));
      return;
    }
    for (const domain of new Set(users.map((u) => parseJid(u)!.domain))) {
      const bcc = users.filter((u) => parseJid(u)!.domain === domain).map((jid) => xml("address", { type: "bcc", jid }));
      out.push(eventMessage(from, domain, this.notificationId(node), clone(event), xml("addresses", { xmlns: NS.addresses }, ...bcc)));
    }
  }

  private notificationId(node: PubsubNode): string {
    return this.host.has("pubsub.reused-notification-id") ? `${node.name}-event` : newId("event");
  }

  /** Tells the subscriber its subscription changed (XEP-0060 12.14, PS-08). */
  private subscriptionChanged(out: Outbox, node: PubsubNode, sub: Subscription, state: "subscribed" | "pending" | "none"): void {
    if (this.host.has("pubsub.no-subscription-notification")) return;
    out.push(eventMessage(this.host.jid, sub.jid, this.notificationId(node), subscriptionEvent(node.name, sub, state)));
  }

  /**
   * notify_sub: owners hear of subscriptions and unsubscriptions; an owner whose server
   * filters hears of them anyway (RSF-03). Nobody else does, whatever their server: a
   * subscription is the owner's and the subscriber's business (XEP-0351's privacy note).
   */
  private tellOwners(out: Outbox, node: PubsubNode, sub: Subscription, state: "subscribed" | "none"): void {
    const event = () => subscriptionEvent(node.name, sub, state);
    for (const owner of node.owners()) {
      const filtering = this.host.filtersRemotely(owner);
      if (node.config.notifySub || (filtering && !this.host.has("rsf.sender-respects-notify-settings"))) {
        out.push(eventMessage(this.host.jid, owner, this.notificationId(node), event()));
      }
    }
    if (!this.host.has("rsf.sub-event-to-all")) return;
    const others = this.filteringUsers(node, false).filter((u) => !node.owners().includes(u) && u !== bareOf(sub.jid));
    this.filtered(out, node, this.host.jid, event(), others);
  }
}

/** A payload kept apart from its request, its namespace made explicit so it survives being moved. */
function standalone(payload: Element): Element {
  const copy = clone(payload);
  copy.attrs.xmlns ??= payload.getNS();
  return copy;
}
