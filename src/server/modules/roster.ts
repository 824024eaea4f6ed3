// RFC 6121 rosters: get, set, remove, and pushes to every resource of the account.
import { xml, childElements, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { newId } from "../../xmpp/builders.js";
import type { ServerContext } from "../context.js";
import { parseJid } from "../jid.js";
import { errorFor, resultFor } from "../replies.js";
import type { Session } from "../session.js";
import type { RosterItem } from "../store.js";
import { sendSubscription } from "./presence.js";

function itemElement(item: RosterItem): Element {
  return xml(
    "item",
    { jid: item.jid, name: item.name, subscription: item.subscription, ask: item.ask ? "subscribe" : undefined },
    ...item.groups.map((g) => xml("group", {}, g)),
  );
}

/** Sends a roster push for `jid` (its current item, or a removal) to every resource. */
function pushRoster(ctx: ServerContext, username: string, jid: string): void {
  const item = ctx.store.roster(username).get(jid);
  const el = item ? itemElement(item) : xml("item", { jid, subscription: "remove" });
  for (const s of ctx.sessions.of(`${username}@${ctx.config.domain}`)) {
    const push = xml("iq", { type: "set", id: newId("push"), to: s.jid.full }, xml("query", { xmlns: NS.roster }, el));
    ctx.sessions.deliver(s, push);
  }
}

/** Applies `change` to the user's item for `jid` (creating it when `create`) and pushes it. */
export function updateItem(
  ctx: ServerContext,
  username: string,
  jid: string,
  change: (item: RosterItem) => void,
  create = true,
): RosterItem | undefined {
  const roster = ctx.store.roster(username);
  let item = roster.get(jid);
  if (!item) {
    if (!create) return undefined;
    roster.set(jid, (item = { jid, subscription: "none", ask: false, groups: [] }));
  }
  change(item);
  pushRoster(ctx, username, jid);
  return item;
}

export function rosterIq(ctx: ServerContext, session: Session, iq: Element): Element {
  const username = session.jid.local;
  if (iq.attrs.type === "get") {
    const items = [...ctx.store.roster(username).values()].map(itemElement);
    return resultFor(iq, xml("query", { xmlns: NS.roster }, ...items));
  }
  const items = childElements(iq.getChildElements()[0]!).filter((c) => c.name === "item");
  if (items.length !== 1) return errorFor(iq, "modify", "bad-request", "exactly one item");
  const el = items[0]!;
  const jid = parseJid(el.attrs.jid ?? "");
  if (!jid || jid.resource) return errorFor(iq, "modify", "jid-malformed");
  if (jid.bare === session.jid.bare) return errorFor(iq, "cancel", "not-allowed", "own JID");
  if (el.attrs.subscription === "remove") {
    const existing = ctx.store.roster(username).get(jid.bare);
    if (!existing) return errorFor(iq, "cancel", "item-not-found");
    // Removing a contact cancels the subscriptions both ways (RFC 6121 2.5.2).
    if (existing.subscription === "to" || existing.subscription === "both" || existing.ask) sendSubscription(ctx, session.jid, jid.bare, "unsubscribe");
    if (existing.subscription === "from" || existing.subscription === "both") sendSubscription(ctx, session.jid, jid.bare, "unsubscribed");
    ctx.store.roster(username).delete(jid.bare);
    pushRoster(ctx, username, jid.bare);
    return resultFor(iq);
  }
  const groups = [...new Set(el.getChildren("group").map((g) => g.getText()))];
  updateItem(ctx, username, jid.bare, (item) => {
    item.name = el.attrs.name || undefined;
    item.groups = groups;
  });
  return resultFor(iq);
}
