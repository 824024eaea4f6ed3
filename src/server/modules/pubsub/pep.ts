// XEP-0163 PEP: every account is a pubsub service at its bare JID, on the same node
// engine as pubsub.<domain>. What PEP adds lives here: only the owner creates and
// publishes, publishing creates the node (auto-create), the owner and every contact
// with a presence subscription to it are subscribed without asking (auto-subscribe),
// notifications go only to resources whose caps carry NodeID+notify (filtered
// notifications), from the owner's bare JID, and the last item goes to each resource
// that comes online or newly wants the node (and to each new subscriber). Access is
// recalculated when a roster changes.
import { NS } from "../../../xmpp/ns.js";
import { notifyFeature } from "../../../xmpp/pubsub.js";
import type { ServerContext } from "../../context.js";
import { parseJid, type Jid } from "../../jid.js";
import { hasFrom } from "../../rosters.js";
import { route } from "../../router.js";
import type { Session } from "../../session.js";
import type { RosterItem } from "../../store.js";
import { defaultConfig } from "./config.js";
import type { PubsubNode } from "./node.js";
import { filtersRemotely } from "./remote-filtering.js";
import { PubsubService, type Outbox, type Recipient, type ServiceHost } from "./service.js";

/**
 * Per session: the "owner node" pairs this resource is up to date with since it came
 * online, through the last item or a notification: a later trigger (caps changed,
 * a roster change) sends their last item only to resources not up to date.
 */
const SENT = "pep.sent";

function sentOf(session: Session): Set<string> {
  let sent = session.state.get(SENT) as Set<string> | undefined;
  if (!sent) session.state.set(SENT, (sent = new Set()));
  return sent;
}

const sentKey = (owner: string, node: string) => `${owner}\n${node}`;

export class Pep {
  private readonly services = new Map<string, PubsubService>();

  constructor(private readonly ctx: ServerContext) {}

  /** The PEP service of a local account, made on first use. */
  service(bare: string): PubsubService {
    let service = this.services.get(bare);
    if (!service) this.services.set(bare, (service = new PubsubService(new PepHost(this.ctx, this, bare))));
    return service;
  }

  /** Every PEP service made so far, by its owner's bare JID. */
  all(): IterableIterator<[string, PubsubService]> {
    return this.services.entries();
  }

  send(out: Outbox): void {
    for (const el of out) route(this.ctx, el);
  }

  /** The roster item `owner` has for `contact`, when `owner` is a local account. */
  rosterItem(owner: string, contact: string): RosterItem | undefined {
    const jid = parseJid(owner);
    return jid?.local && this.ctx.store.hasUser(jid.local) ? this.ctx.rosters.items(jid.local).get(contact) : undefined;
  }

  /** The JIDs on a local account's roster. */
  contacts(owner: string): string[] {
    const jid = parseJid(owner);
    return jid?.local && this.ctx.store.hasUser(jid.local) ? [...this.ctx.rosters.items(jid.local).keys()] : [];
  }

  /** The owner, and each contact with a presence subscription to it, is subscribed to its nodes without asking (XEP-0163 4.1). */
  autoSubscribed(owner: string, contact: string): boolean {
    if (owner === contact) return true;
    const item = this.rosterItem(owner, contact);
    if (this.ctx.faults.has("pubsub.pep-notify-without-subscription")) return item !== undefined;
    return !this.ctx.faults.has("pubsub.pep-no-auto-subscribe") && item !== undefined && hasFrom(item.subscription);
  }

  /** Whether this resource asked for notifications of `node` with NodeID+notify in its caps (XEP-0163 4.2). */
  wants(session: Session, node: string): boolean {
    if (this.ctx.faults.has("pubsub.pep-ignore-notify-filter")) return true;
    const features = this.ctx.hooks.fire("caps-features", { session }) as ReadonlySet<string> | undefined;
    return features?.has(notifyFeature(node)) === true;
  }

  /** Available resources of `bare` that want `node`'s notifications. */
  interested(bare: string, node: string): Session[] {
    return this.ctx.sessions.of(bare).filter((s) => s.available && this.wants(s, node));
  }

  /**
   * Sends `session` the last item of every node it is subscribed to, implicitly (and
   * interested) or explicitly, that sends it on presence, unless it is up to date with
   * it since it came online (XEP-0163 4.3.3: later presence must not send it again).
   */
  lastItems(session: Session): void {
    if (!session.available) return;
    const user = session.jid.bare;
    const sent = sentOf(session);
    const out: Outbox = [];
    for (const [owner, service] of this.services) {
      const auto = this.autoSubscribed(owner, user);
      for (const node of service.nodes.values()) {
        const key = sentKey(owner, node.name);
        if (sent.has(key) || node.config.sendLastPublishedItem !== "on_sub_and_presence") continue;
        const implicit = auto && this.wants(session, node.name) && !service.refusal(node, user);
        if (!implicit && !service.subscribed(node, session.jid)) continue;
        sent.add(key);
        service.lastItemTo(out, node, session.jid.full);
      }
    }
    this.send(out);
  }

  /** `session` gets a notification of `owner`'s `node`, so it is up to date with it. */
  reached(session: Session, owner: string, node: string): void {
    sentOf(session).add(sentKey(owner, node));
  }

  /** The session went offline: its next initial presence starts afresh. */
  unavailable(session: Session): void {
    session.state.delete(SENT);
  }

  /**
   * `owner`'s roster item for `contact` changed: subscriptions that lost access are
   * cancelled (XEP-0163 5); a contact that lost its presence subscription may get the
   * last items again once it regains one, and one that gained it gets them now.
   */
  rosterChanged(owner: string, contact: string, item: RosterItem | undefined): void {
    const out: Outbox = [];
    if (!this.ctx.faults.has("pubsub.keep-subscription-without-access")) this.services.get(owner)?.recheck(out, undefined, contact);
    this.send(out);
    const sessions = this.ctx.sessions.of(contact);
    if (!item || !hasFrom(item.subscription)) {
      for (const s of sessions) for (const key of [...sentOf(s)]) if (key.startsWith(sentKey(owner, ""))) sentOf(s).delete(key);
      return;
    }
    for (const s of sessions) this.lastItems(s);
  }

  /** An account goes: its service, and its subscriptions to others. */
  forget(bare: string): void {
    this.services.delete(bare);
    const out: Outbox = [];
    for (const service of this.services.values()) service.forget(out, bare);
    this.send(out);
  }
}

/** One account's PEP service, as the engine sees it. */
class PepHost implements ServiceHost {
  constructor(
    private readonly ctx: ServerContext,
    private readonly pep: Pep,
    readonly jid: string,
  ) {}

  get autoCreate(): boolean {
    return !this.ctx.faults.has("pubsub.pep-no-auto-create");
  }

  has(fault: string): boolean {
    return this.ctx.faults.has(fault);
  }

  /** XEP-0163 5: the presence access model, and on_sub_and_presence. */
  defaults() {
    return defaultConfig(this.ctx.faults.has("pubsub.pep-open-by-default") ? "open" : "presence");
  }

  /** One publisher per node: the account itself (XEP-0163 2.2). */
  mayCreate(requester: Jid): boolean {
    return requester.bare === this.jid;
  }

  notificationFrom(publisher: string | undefined): string {
    return publisher && this.ctx.faults.has("pubsub.pep-full-jid-from") ? publisher : this.jid;
  }

  rosterItem(owner: string, contact: string) {
    return this.pep.rosterItem(owner, contact);
  }

  /**
   * XEP-0163 4.3: the owner's and its auto-subscribed contacts' interested resources,
   * with the publishing resource as replyto; then explicit subscribers: a full JID or
   * a domain gets exactly one notification, a bare JID one per interested resource,
   * or one to the bare JID when none is known to be interested.
   */
  recipients(node: PubsubNode, pending: boolean): Recipient[] {
    const out = new Map<string, Recipient>();
    const add = (jid: string, replyTo: boolean) => {
      if (!out.has(jid)) out.set(jid, { jid, replyTo });
    };
    for (const bare of [this.jid, ...this.autoSubscribers(node)]) {
      const sessions = this.pep.interested(bare, node.name);
      for (const s of sessions) {
        add(s.jid.full, true);
        this.pep.reached(s, this.jid, node.name);
      }
      if (sessions.length > 0 && this.ctx.faults.has("pubsub.duplicate-notify")) add(bare, true);
    }
    for (const sub of node.subscriptions.values()) {
      if (sub.state !== "subscribed" && !pending) continue;
      const jid = parseJid(sub.jid);
      if (!jid) continue;
      const sharesPresence = this.pep.autoSubscribed(this.jid, jid.bare);
      const sessions = jid.resource || !jid.local ? [] : this.pep.interested(jid.bare, node.name);
      if (sessions.length === 0) add(sub.jid, sharesPresence);
      for (const s of sessions) {
        add(s.jid.full, sharesPresence);
        this.pep.reached(s, this.jid, node.name);
      }
    }
    return [...out.values()];
  }

  /** The owner, its contacts auto-subscribed to this node (access applied), and explicit subscribers. */
  subscribers(node: PubsubNode, pending: boolean): string[] {
    const explicit = [...node.subscriptions.values()].filter((s) => s.state === "subscribed" || pending).map((s) => s.jid);
    return [this.jid, ...this.autoSubscribers(node), ...explicit];
  }

  /** Contacts with a presence subscription to the owner that the node's access model lets in (XEP-0163 4.1). */
  private autoSubscribers(node: PubsubNode): string[] {
    const service = this.pep.service(this.jid);
    return this.pep.contacts(this.jid).filter((c) => this.pep.autoSubscribed(this.jid, c) && !service.refusal(node, c));
  }

  filtersRemotely(jid: string): boolean {
    return filtersRemotely(this.ctx, jid);
  }
}

/** The disco#info identity PEP adds to every account. */
export const PEP_IDENTITY = { category: "pubsub", type: "pep" };

/** PEP's own features (XEP-0163 6.1), besides those of the node engine. */
export const PEP_FEATURES = ["auto-create", "auto-subscribe", "filtered-notifications"].map((f) => `${NS.pubsub}#${f}`);
