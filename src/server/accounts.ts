// Account removal, a service of the core: XEP-0077 cancellation and XEP-0133 Delete
// User both use it, and modules react to it on the bus (presence cancels the
// account's subscriptions).
import type { Element } from "../xmpp/element.js";
import type { ServerContext } from "./context.js";
import { makeJid } from "./jid.js";

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
  ctx.hooks.fireAll("account-removing", { jid });
  ctx.store.removeUser(jid.local);
  ctx.log(`${jid.bare}: account removed`);
}
