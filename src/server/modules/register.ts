// XEP-0077 in-band registration: account creation on an unauthenticated stream,
// password change once authenticated. Cancellation is not offered.
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import { validUsername } from "../jid.js";
import { errorFor, resultFor } from "../replies.js";

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
  if (query.getChild("remove")) return errorFor(iq, "cancel", "not-allowed", "account removal is not supported");
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
