// Rosters as a service of the core (like Prosody's rostermanager): the roster and the
// presence modules both change items, and every change is pushed to the account's
// resources (RFC 6121 2.1.6) and announced on the bus (`roster-changed`: PEP
// recalculates access from it).
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { newId } from "../xmpp/builders.js";
import type { HookBus } from "./hooks.js";
import type { Sessions } from "./sessions.js";
import type { RosterItem, Store, Subscription } from "./store.js";

export const hasTo = (s: Subscription) => s === "to" || s === "both";
export const hasFrom = (s: Subscription) => s === "from" || s === "both";

export function itemElement(item: RosterItem): Element {
  return xml(
    "item",
    { jid: item.jid, name: item.name, subscription: item.subscription, ask: item.ask ? "subscribe" : undefined },
    ...item.groups.map((g) => xml("group", {}, g)),
  );
}

export class Rosters {
  constructor(
    private readonly store: Store,
    private readonly sessions: Sessions,
    private readonly domain: string,
    private readonly hooks: HookBus,
  ) {}

  items(username: string): Map<string, RosterItem> {
    return this.store.roster(username);
  }

  /** Applies `change` to the user's item for `jid` (creating it when `create`) and pushes it. */
  update(username: string, jid: string, change: (item: RosterItem) => void, create = true): RosterItem | undefined {
    const roster = this.store.roster(username);
    let item = roster.get(jid);
    if (!item) {
      if (!create) return undefined;
      roster.set(jid, (item = { jid, subscription: "none", ask: false, groups: [] }));
    }
    change(item);
    this.push(username, jid);
    return item;
  }

  remove(username: string, jid: string): void {
    this.store.roster(username).delete(jid);
    this.push(username, jid);
  }

  /** A roster push of `jid` (its current item, or a removal) to every resource of the user, then the event. */
  private push(username: string, jid: string): void {
    const item = this.store.roster(username).get(jid);
    const el = item ? itemElement(item) : xml("item", { jid, subscription: "remove" });
    for (const s of this.sessions.of(`${username}@${this.domain}`)) {
      this.sessions.deliver(s, xml("iq", { type: "set", id: newId("push"), to: s.jid.full }, xml("query", { xmlns: NS.roster }, el)));
    }
    this.hooks.fireAll("roster-changed", { username, jid, item });
  }
}
