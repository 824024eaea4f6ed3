// RFC 6121 presence: broadcast to subscribers and the account's other resources,
// probes on initial presence, directed presence, unavailable on session end, and
// the four subscription stanzas updating both rosters (through the core's rosters);
// with a contact at another server, this server keeps its own user's side and the
// stanzas travel over S2S.
// Other modules learn of availability from `presence-available` and
// `presence-unavailable` (caps reads the client's <c/>, PEP sends last items).
import clone from "ltx/lib/clone.js";
import { xml, type Element } from "../../xmpp/element.js";
import type { ServerContext } from "../context.js";
import { makeJid, parseJid, type Jid } from "../jid.js";
import { defineModule } from "../module.js";
import { bounce, route } from "../router.js";
import { hasFrom as subFrom, hasTo as subTo } from "../rosters.js";
import type { Session } from "../session.js";
import type { RosterItem } from "../store.js";

type SubscriptionType = "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed";
const SUBSCRIPTION_TYPES = new Set(["subscribe", "subscribed", "unsubscribe", "unsubscribed"]);

const hasTo = (i: RosterItem) => subTo(i.subscription);
const hasFrom = (i: RosterItem) => subFrom(i.subscription);

/** Full JIDs a session sent directed available presence to. */
function directedOf(session: Session): Set<string> {
  let set = session.state.get("presence.directed") as Set<string> | undefined;
  if (!set) session.state.set("presence.directed", (set = new Set()));
  return set;
}

export default defineModule({
  name: "presence",
  faults: {
    "sm.presence-flap": { rules: ["SM-23"], description: "unavailable presence on TCP drop, available again on resume" },
    "sm.resume-forgets-directed": { rules: ["SM-23"], description: "a resumed session forgets where it sent directed presence, so those entities never get unavailable presence" },
  },
  load(ctx) {
    ctx.hooks.on("presence/outgoing", ({ session, el }) => presenceFromClient(ctx, session, el));
    ctx.hooks.on("presence/inbound", ({ el, to }) => presenceToAccount(ctx, el, to));
    ctx.hooks.on("presence/subscription", ({ from, contact, type }) => sendSubscription(ctx, from, contact, type));
    // Before Stream Management disposes of the session's queue: contacts learn first.
    ctx.hooks.on("session-ended", ({ session }) => endPresence(ctx, session), 10);
    ctx.hooks.on("session-hibernated", ({ session }) => {
      if (ctx.faults.has("sm.presence-flap")) announce(ctx, session, xml("presence", { type: "unavailable" }), false);
    });
    ctx.hooks.on("session-resumed", ({ session }) => {
      if (ctx.faults.has("sm.presence-flap") && session.presence) announce(ctx, session, session.presence, false);
      if (ctx.faults.has("sm.resume-forgets-directed")) directedOf(session).clear();
    });
    ctx.hooks.on("account-removing", ({ jid }) => cancelEverything(ctx, jid));
  },
});

/**
 * An account goes away: the unsubscribe and unsubscribed RFC 6121 2.5.2 has a server
 * send when a user deletes a roster item, for every item, and pending requests to
 * it withdrawn. Contacts keep their items, at subscription 'none': a roster is its
 * owner's (Prosody and ejabberd do the same).
 */
function cancelEverything(ctx: ServerContext, jid: Jid): void {
  for (const item of [...ctx.rosters.items(jid.local).values()]) {
    if (hasTo(item) || item.ask) sendSubscription(ctx, jid, item.jid, "unsubscribe");
    if (hasFrom(item)) sendSubscription(ctx, jid, item.jid, "unsubscribed");
  }
  for (const from of [...ctx.store.pendingIn(jid.local)]) sendSubscription(ctx, jid, from, "unsubscribed");
}

/** Presence from a client; returns true when it was answered with an error. */
function presenceFromClient(ctx: ServerContext, session: Session, el: Element): boolean {
  const type = el.attrs.type;
  const to = el.attrs.to === undefined ? undefined : parseJid(el.attrs.to);
  if (type === "error") return route(ctx, el);
  if (type !== undefined && SUBSCRIPTION_TYPES.has(type)) {
    if (!to) return bounce(ctx, el, "modify", "bad-request");
    sendSubscription(ctx, session.jid, to.bare, type as SubscriptionType, el);
    return false;
  }
  if (type === "probe") return false;
  if (type !== undefined && type !== "unavailable") return bounce(ctx, el, "modify", "bad-request");
  if (to) {
    if (type === "unavailable") directedOf(session).delete(to.full);
    else directedOf(session).add(to.full);
    return route(ctx, el);
  }
  if (type === "unavailable") {
    const was = session.available;
    announce(ctx, session, el, true);
    session.presence = null;
    directedOf(session).clear();
    if (was) ctx.hooks.fireAll("presence-unavailable", { session });
    return false;
  }
  const initial = !session.available;
  session.presence = el;
  session.priority = Number.parseInt(el.getChildText("priority") ?? "0", 10) || 0;
  announce(ctx, session, el, true);
  if (initial) welcome(ctx, session);
  ctx.hooks.fireAll("presence-available", { session, el, initial });
  return false;
}

/** Presence routed to a local account (the router checked it exists). */
function presenceToAccount(ctx: ServerContext, el: Element, to: Jid): void {
  if (SUBSCRIPTION_TYPES.has(el.attrs.type ?? "")) return fromRemoteContact(ctx, el, to);
  if (to.resource) {
    const s = ctx.sessions.get(to.full);
    if (s) ctx.sessions.deliver(s, el);
    return;
  }
  if (el.attrs.type === "probe" || el.attrs.type === "error") return;
  for (const s of ctx.sessions.of(to.bare)) if (s.available) ctx.sessions.deliver(s, el);
}

/** Sends a copy of `el` to every available resource of `bare` (every bound one if `bound`). */
function toAvailable(ctx: ServerContext, el: Element, bare: string, except?: Session, bound = false): void {
  for (const s of ctx.sessions.of(bare)) {
    if ((!s.available && !bound) || s === except) continue;
    const copy = clone(el);
    copy.attrs.to = s.jid.full;
    ctx.sessions.deliver(s, copy);
  }
}

function localContact(ctx: ServerContext, bare: string): string | undefined {
  const j = parseJid(bare);
  return j && j.local && j.domain === ctx.config.domain && ctx.store.hasUser(j.local) ? j.local : undefined;
}

/**
 * Broadcasts `el` (available or unavailable) to subscribers, own resources and directed
 * targets. Presence the client sent goes back to it too (`reflect`; RFC 6121 4.2.2:
 * "including the resource that generated the presence notification in the first
 * place"); presence the server makes up for a session going away does not.
 */
function announce(ctx: ServerContext, session: Session, el: Element, reflect: boolean): void {
  const out = clone(el);
  out.attrs.from = session.jid.full;
  delete out.attrs.to;
  for (const item of ctx.rosters.items(session.jid.local).values()) {
    if (!hasFrom(item)) continue;
    if (localContact(ctx, item.jid)) toAvailable(ctx, out, item.jid);
    else if (remote(ctx, item.jid)) {
      const copy = clone(out);
      copy.attrs.to = item.jid;
      route(ctx, copy);
    }
  }
  toAvailable(ctx, out, session.jid.bare, reflect ? undefined : session);
  if (out.attrs.type === "unavailable") {
    // RFC 6121 4.6.3: to the very JID that got directed presence, available or not.
    for (const jid of directedOf(session)) {
      const copy = clone(out);
      copy.attrs.to = jid;
      route(ctx, copy);
    }
  }
}

/** Initial presence: contacts' and own resources' presence, then pending subscription requests. */
function welcome(ctx: ServerContext, session: Session): void {
  const sources = [...ctx.sessions.of(session.jid.bare).filter((s) => s !== session)];
  for (const item of ctx.rosters.items(session.jid.local).values()) {
    if (hasTo(item) && localContact(ctx, item.jid)) sources.push(...ctx.sessions.of(item.jid));
  }
  for (const s of sources) {
    if (!s.presence) continue;
    const copy = clone(s.presence);
    Object.assign(copy.attrs, { from: s.jid.full, to: session.jid.full });
    ctx.sessions.deliver(session, copy);
  }
  for (const from of ctx.store.pendingIn(session.jid.local)) {
    ctx.sessions.deliver(session, xml("presence", { type: "subscribe", from, to: session.jid.bare }));
  }
}

/** The session is over: unavailable to everyone who saw it available. */
function endPresence(ctx: ServerContext, session: Session): void {
  const was = session.available;
  if (was || directedOf(session).size) announce(ctx, session, xml("presence", { type: "unavailable" }), false);
  session.presence = null;
  directedOf(session).clear();
  if (was) ctx.hooks.fireAll("presence-unavailable", { session });
}

/**
 * A subscription stanza from `session`'s user to `contact` (RFC 6121 3): updates
 * both rosters and delivers it. Only local contacts have rosters here; anything
 * else is routed as is (and bounced or dropped by the router).
 */
function sendSubscription(ctx: ServerContext, from: Jid, contact: string, type: SubscriptionType, original?: Element): void {
  const user = from.local;
  const userBare = from.bare;
  const contactUser = localContact(ctx, contact);
  const stanza = xml("presence", { type, from: userBare, to: contact }, ...(original?.children ?? []).filter((c) => typeof c !== "string").map((c) => clone(c)));
  if (!contactUser) {
    if (remote(ctx, contact)) toRemoteContact(ctx, from, contact, type, stanza);
    return;
  }
  const pending = ctx.store.pendingIn(user);
  const theirs = ctx.rosters.items(contactUser).get(userBare);
  switch (type) {
    case "subscribe": {
      ctx.rosters.update(user, contact, (i) => (i.ask = !hasTo(i)));
      if (theirs && hasFrom(theirs)) {
        // Already approved: the contact's server answers for it (RFC 6121 3.1.3).
        sendSubscription(ctx, makeJid(contactUser, ctx.config.domain), userBare, "subscribed");
        return;
      }
      ctx.store.pendingIn(contactUser).add(userBare);
      break;
    }
    case "subscribed": {
      if (!pending.has(contact) && !theirs?.ask) return;
      pending.delete(contact);
      ctx.rosters.update(user, contact, (i) => (i.subscription = i.subscription === "to" || i.subscription === "both" ? "both" : "from"));
      ctx.rosters.update(contactUser, userBare, (i) => {
        i.subscription = hasFrom(i) ? "both" : "to";
        i.ask = false;
      });
      break;
    }
    case "unsubscribe": {
      ctx.rosters.update(user, contact, (i) => {
        i.subscription = hasFrom(i) ? "from" : "none";
        i.ask = false;
      }, false);
      ctx.store.pendingIn(contactUser).delete(userBare);
      if (theirs) ctx.rosters.update(contactUser, userBare, (i) => (i.subscription = hasTo(i) ? "to" : "none"), false);
      break;
    }
    case "unsubscribed": {
      pending.delete(contact);
      ctx.rosters.update(user, contact, (i) => (i.subscription = hasTo(i) ? "to" : "none"), false);
      if (theirs) {
        ctx.rosters.update(contactUser, userBare, (i) => {
          i.subscription = hasFrom(i) ? "from" : "none";
          i.ask = false;
        }, false);
      }
      break;
    }
  }
  // Bound resources that sent no presence yet get it too, like roster pushes, so a
  // client can approve a request before going online; pending requests are also
  // re-sent with the next initial presence (RFC 6121 3.1.3).
  toAvailable(ctx, stanza, contact, undefined, true);
  // Presence follows the subscription state: the new subscriber sees the user's
  // resources, a cancelled one sees them leave.
  if (type === "subscribed" || type === "unsubscribed") {
    for (const s of ctx.sessions.of(userBare)) {
      if (!s.presence) continue;
      const p = type === "subscribed" ? clone(s.presence) : xml("presence", { type: "unavailable" });
      p.attrs.from = s.jid.full;
      toAvailable(ctx, p, contact);
    }
  }
  if (type === "unsubscribe") {
    for (const s of ctx.sessions.of(contact)) {
      if (s.presence) toAvailable(ctx, xml("presence", { type: "unavailable", from: s.jid.full }), userBare);
    }
  }
}

/** A JID at another server (or a component): its roster is kept there. */
function remote(ctx: ServerContext, jid: string): boolean {
  const domain = parseJid(jid)?.domain;
  return domain !== undefined && domain !== ctx.config.domain;
}

/**
 * The user's side of a subscription stanza to a contact at another server (RFC 6121 3):
 * the user's roster item changes, the stanza goes out, and the contact's server keeps
 * the contact's side. An approval nobody asked for is not sent.
 */
function toRemoteContact(ctx: ServerContext, from: Jid, contact: string, type: SubscriptionType, stanza: Element): void {
  const pending = ctx.store.pendingIn(from.local);
  switch (type) {
    case "subscribe":
      ctx.rosters.update(from.local, contact, (i) => (i.ask = !hasTo(i)));
      break;
    case "subscribed":
      if (!pending.delete(contact)) return;
      ctx.rosters.update(from.local, contact, (i) => (i.subscription = hasTo(i) ? "both" : "from"));
      break;
    case "unsubscribe":
      ctx.rosters.update(from.local, contact, (i) => {
        i.subscription = hasFrom(i) ? "from" : "none";
        i.ask = false;
      }, false);
      break;
    case "unsubscribed":
      pending.delete(contact);
      ctx.rosters.update(from.local, contact, (i) => (i.subscription = hasTo(i) ? "to" : "none"), false);
      break;
  }
  route(ctx, stanza);
  // The new subscriber sees the user's resources (RFC 6121 3.1.5), a cancelled one sees them leave.
  if (type !== "subscribed" && type !== "unsubscribed") return;
  for (const s of ctx.sessions.of(from.bare)) {
    if (!s.presence) continue;
    const p = type === "subscribed" ? clone(s.presence) : xml("presence", { type: "unavailable" });
    Object.assign(p.attrs, { from: s.jid.full, to: contact });
    route(ctx, p);
  }
}

/**
 * A subscription stanza from a contact at another server to a local account: the
 * account's side (RFC 6121 3). A request already approved is answered here (3.1.3);
 * an approval or a cancellation the account's roster gives no reason for is dropped.
 */
function fromRemoteContact(ctx: ServerContext, el: Element, to: Jid): void {
  const contact = parseJid(el.attrs.from ?? "")?.bare;
  if (!contact || !remote(ctx, contact)) return;
  const item = ctx.rosters.items(to.local).get(contact);
  const type = el.attrs.type as SubscriptionType;
  switch (type) {
    case "subscribe":
      if (item && hasFrom(item)) return void route(ctx, xml("presence", { type: "subscribed", from: to.bare, to: contact }));
      ctx.store.pendingIn(to.local).add(contact);
      break;
    case "subscribed":
      if (!item?.ask) return;
      ctx.rosters.update(to.local, contact, (i) => {
        i.subscription = hasFrom(i) ? "both" : "to";
        i.ask = false;
      });
      break;
    case "unsubscribe":
      ctx.store.pendingIn(to.local).delete(contact);
      if (!item || !hasFrom(item)) return;
      ctx.rosters.update(to.local, contact, (i) => (i.subscription = hasTo(i) ? "to" : "none"));
      break;
    case "unsubscribed":
      if (!item || (!hasTo(item) && !item.ask)) return;
      ctx.rosters.update(to.local, contact, (i) => {
        i.subscription = hasFrom(i) ? "from" : "none";
        i.ask = false;
      });
      break;
  }
  const stanza = clone(el);
  Object.assign(stanza.attrs, { from: contact, to: to.bare });
  toAvailable(ctx, stanza, to.bare, undefined, true);
}
