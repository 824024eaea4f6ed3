// XEP-0077 in-band registration: account creation on an unauthenticated stream,
// password change and cancellation once authenticated. Account removal itself
// (also used by the XEP-0133 Delete User command) lives here too.
import { childElements, xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import { makeJid, validUsername } from "../jid.js";
import { errorFor, resultFor } from "../replies.js";
import { sendSubscription } from "./presence.js";

export function registerFeature(): Element {
  return xml("register", { xmlns: NS.registerFeature });
}

/** `username` is the authenticated account, undefined before SASL. */
export function registerIq(ctx: ServerContext, iq: Element, username: string | undefined): Element {
  const query = iq.getChildElements()[0]!;
  if (iq.attrs.type === "get") {
    return resultFor(
      iq,
      username === undefined
        ? xml("query", { xmlns: NS.register }, xml("instructions", {}, "Choose a username and password."), xml("username"), xml("password"))
        : xml("query", { xmlns: NS.register }, xml("registered"), xml("username", {}, username), xml("password")),
    );
  }
  if (query.getChild("remove")) {
    if (username === undefined) return errorFor(iq, "cancel", "not-allowed", "authenticate to remove your account");
    if (childElements(query).length !== 1) return errorFor(iq, "modify", "bad-request", "<remove/> must be the only child");
    const reply = resultFor(iq);
    removeAccount(ctx, username, reply);
    return reply;
  }
  const name = query.getChildText("username")?.toLowerCase();
  const password = query.getChildText("password");
  if (!name || !password) return errorFor(iq, "modify", "not-acceptable", "username and password are required");
  if (username === undefined) {
    if (!validUsername(name)) return errorFor(iq, "modify", "not-acceptable", "invalid username");
    if (ctx.store.hasUser(name)) return errorFor(iq, "cancel", "conflict");
  } else if (name !== username) {
    return errorFor(iq, "modify", "bad-request", "not your account");
  }
  ctx.store.addUser(name, password);
  ctx.log(`${name}: ${username === undefined ? "registered" : "password changed"}`);
  return resultFor(iq);
}

/**
 * Removes an account as XEP-0077 3.2 says a server cancelling a registration does
 * (XEP-0133 Delete User asks the same): every session of the account ends with a
 * <not-authorized/> stream error, hibernating ones too, and its presence
 * subscriptions are cancelled. `reply` (the answer to the request) is delivered
 * first when it is addressed to one of those sessions, which would never get it
 * otherwise; the router's own delivery then finds that session ended and drops it.
 *
 * The contacts' roster items for the removed account stay where they are. A
 * roster is its owner's (RFC 6121 2): the server changes a contact's item only as
 * the subscription rules say, and for a user who goes away they say "cancel":
 * the unsubscribe and unsubscribed that RFC 6121 2.5.2 has a server send when a
 * user deletes a roster item, handled for local contacts as in 3.2 and 3.3. Their
 * items drop to subscription 'none' with a roster push, their pending requests to
 * or from the account are withdrawn, and the item itself is theirs to delete.
 * Prosody and ejabberd do the same on account removal.
 */
export function removeAccount(ctx: ServerContext, username: string, reply?: Element): void {
  const jid = makeJid(username.toLowerCase(), ctx.config.domain);
  if (!ctx.store.hasUser(jid.local)) return;
  // The reply must beat the stream error when the requester's own account goes.
  const requester = reply && ctx.sessions.get(reply.attrs.to ?? "");
  if (requester && requester.jid.bare === jid.bare) ctx.sessions.deliver(requester, reply!);
  // Sessions first, while the roster still says who saw them available.
  for (const session of ctx.sessions.of(jid.bare)) {
    if (session.link) session.link.streamError("not-authorized", "account removed");
    else ctx.sessions.end(session, "closed");
  }
  for (const item of [...ctx.store.roster(jid.local).values()]) {
    if (item.subscription === "to" || item.subscription === "both" || item.ask) sendSubscription(ctx, jid, item.jid, "unsubscribe");
    if (item.subscription === "from" || item.subscription === "both") sendSubscription(ctx, jid, item.jid, "unsubscribed");
  }
  for (const from of [...ctx.store.pendingIn(jid.local)]) sendSubscription(ctx, jid, from, "unsubscribed");
  ctx.store.removeUser(jid.local);
  ctx.log(`${jid.bare}: account removed`);
}
