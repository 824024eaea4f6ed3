// RFC 6121 rosters: get, set and remove, answered for the client's own account;
// pushes come from the core's rosters service. Removing an item cancels the
// subscriptions both ways, which the presence module carries out (RFC 6121 2.5.2).
import { xml, childElements } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import type { IqEvent } from "../hooks.js";
import { parseJid } from "../jid.js";
import { defineModule } from "../module.js";
import { errorFor, resultFor } from "../replies.js";
import { hasFrom, hasTo, itemElement } from "../rosters.js";

export default defineModule({
  name: "roster",
  faults: {},
  load(ctx) {
    ctx.features.host.add(NS.roster);
    for (const type of ["get", "set"] as const) {
      for (const scope of ["host", "self"] as const) ctx.hooks.on(`iq-${type}/${scope}/${NS.roster}:query`, (e) => rosterIq(ctx, e));
    }
  },
});

function rosterIq(ctx: ServerContext, { iq, session }: IqEvent) {
  if (!session) return errorFor(iq, "cancel", "service-unavailable");
  const username = session.jid.local;
  if (iq.attrs.type === "get") {
    const items = [...ctx.rosters.items(username).values()].map(itemElement);
    return resultFor(iq, xml("query", { xmlns: NS.roster }, ...items));
  }
  const items = childElements(iq.getChildElements()[0]!).filter((c) => c.name === "item");
  if (items.length !== 1) return errorFor(iq, "modify", "bad-request", "exactly one item");
  const el = items[0]!;
  const jid = parseJid(el.attrs.jid ?? "");
  if (!jid || jid.resource) return errorFor(iq, "modify", "jid-malformed");
  if (jid.bare === session.jid.bare) return errorFor(iq, "cancel", "not-allowed", "own JID");
  if (el.attrs.subscription === "remove") {
    const existing = ctx.rosters.items(username).get(jid.bare);
    if (!existing) return errorFor(iq, "cancel", "item-not-found");
    if (hasTo(existing.subscription) || existing.ask) ctx.hooks.fire("presence/subscription", { from: session.jid, contact: jid.bare, type: "unsubscribe" });
    if (hasFrom(existing.subscription)) ctx.hooks.fire("presence/subscription", { from: session.jid, contact: jid.bare, type: "unsubscribed" });
    ctx.rosters.remove(username, jid.bare);
    return resultFor(iq);
  }
  const groups = [...new Set(el.getChildren("group").map((g) => g.getText()))];
  ctx.rosters.update(username, jid.bare, (item) => {
    item.name = el.attrs.name || undefined;
    item.groups = groups;
  });
  return resultFor(iq);
}
