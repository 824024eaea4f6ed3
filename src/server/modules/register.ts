// XEP-0077 in-band registration: account creation on an unauthenticated stream,
// password change and cancellation once authenticated (removal is the core's,
// accounts.ts). Switched off entirely by `registration: false`.
import { childElements, xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { removeAccount } from "../accounts.js";
import type { ServerContext } from "../context.js";
import { validUsername } from "../jid.js";
import { defineModule } from "../module.js";
import { errorFor, resultFor } from "../replies.js";

export default defineModule({
  name: "register",
  faults: {},
  load(ctx) {
    if (!ctx.config.registration) return;
    ctx.features.host.add(NS.register);
    ctx.hooks.on("stream-features", ({ host, features }) => {
      if (host.username === undefined) features.push(xml("register", { xmlns: NS.registerFeature }));
    });
    ctx.hooks.on("unauthenticated-iq", ({ iq }) => {
      const query = iq.getChild("query", NS.register);
      if (!query || (iq.attrs.type !== "get" && iq.attrs.type !== "set")) return undefined;
      return registerIq(ctx, iq, undefined);
    });
    for (const type of ["get", "set"] as const) ctx.hooks.on(`iq-${type}/host/${NS.register}:query`, ({ iq, session }) => session && registerIq(ctx, iq, session.jid.local));
  },
});

/** `username` is the authenticated account, undefined before SASL. */
function registerIq(ctx: ServerContext, iq: Element, username: string | undefined): Element {
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

