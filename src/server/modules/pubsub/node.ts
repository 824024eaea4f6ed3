// A pubsub node as both services keep it, in memory: configuration, items in
// publication order, affiliations by bare JID and at most one subscription per
// subscribed JID (no multi-subscribe, so a repeated subscribe finds the first).
import { randomBytes } from "node:crypto";
import type { Element } from "../../../xmpp/element.js";
import type { StanzaCondition } from "../../../xmpp/ns.js";
import type { PubsubErrorCondition } from "../../../xmpp/pubsub.js";
import type { ErrorType } from "../../replies.js";
import type { NodeConfig } from "./config.js";

export const AFFILIATIONS = ["owner", "publisher", "publish-only", "member", "none", "outcast"] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];

export interface Subscription {
  /** The subscribed JID as the subscriber gave it: a full JID, a bare JID or a domain. */
  jid: string;
  subid: string;
  state: "subscribed" | "pending";
}

export interface Item {
  id: string;
  payload: Element | undefined;
  /** Full JID of the publisher. */
  publisher: string;
  published: Date;
}

/** A request refused: the stanza error, with its pubsub#errors condition when XEP-0060 gives one. */
export class PubsubError extends Error {
  constructor(
    readonly type: ErrorType,
    readonly condition: StanzaCondition,
    readonly app?: PubsubErrorCondition,
    readonly feature?: string,
    /** A human-readable text for the error (RFC 6120 8.3.2). */
    readonly text?: string,
  ) {
    super(`${condition}${app ? `/${app}` : ""}${feature ? ` (${feature})` : ""}`);
  }
}

export const newItemId = () => randomBytes(8).toString("hex");

export class PubsubNode {
  /** Items by id, oldest first: publishing an existing id again moves it to the end. */
  readonly items = new Map<string, Item>();
  readonly affiliations = new Map<string, Affiliation>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly created = new Date();

  constructor(
    readonly name: string,
    public config: NodeConfig,
    /** Bare JID of the creator, its first owner. */
    readonly creator: string,
  ) {
    this.affiliations.set(creator, "owner");
  }

  affiliation(bare: string): Affiliation {
    return this.affiliations.get(bare) ?? "none";
  }

  owners(): string[] {
    return [...this.affiliations].filter(([, a]) => a === "owner").map(([jid]) => jid);
  }

  lastItem(): Item | undefined {
    let last: Item | undefined;
    for (const item of this.items.values()) last = item;
    return last;
  }

  /** Keeps `item` as the newest; a transient node keeps only the last one, for sending on subscription. */
  store(item: Item): void {
    this.items.delete(item.id);
    this.items.set(item.id, item);
    this.trim();
  }

  /** Drops the oldest items beyond max_items (one for a transient node). */
  trim(): void {
    const keep = this.config.persistItems ? this.config.maxItems : 1;
    for (const id of this.items.keys()) {
      if (this.items.size <= keep) break;
      this.items.delete(id);
    }
  }

  newSubscription(jid: string, state: Subscription["state"]): Subscription {
    const sub = { jid, subid: randomBytes(8).toString("hex"), state };
    this.subscriptions.set(jid, sub);
    return sub;
  }
}
