// The hook bus, in the manner of Prosody's module:hook: the core fires named events
// and protocol modules handle them; no module calls another. A handler returns
// undefined (or false) to let the next one try, anything else to claim the event;
// handlers of the same event run by descending priority, then in the order hooked.
import type { Element } from "../xmpp/element.js";
import type { Jid } from "./jid.js";
import type { ClientLink, Session } from "./session.js";
import type { EndReason } from "./sessions.js";
import type { RosterItem } from "./store.js";

/** A client stream as modules see it before and after binding. */
export interface StreamHost extends ClientLink {
  readonly id: number;
  /** The authenticated account, undefined before SASL success. */
  readonly username: string | undefined;
  readonly session: Session | undefined;
  readonly secure: boolean;
  /** The data chunk the element being handled arrived in. */
  readonly chunk: number;
  /** Per-stream state of modules, by module name (SM enabled before bind, say). */
  readonly state: Map<string, unknown>;
  /** Makes this stream serve an existing session (a resumption). */
  adopt(session: Session): void;
}

/**
 * An iq get/set the router hands to modules; a handler returns the reply, or true when
 * it has taken the request and will route the reply itself later (as Prosody's handlers
 * do): an answer that waits for another entity's.
 */
export interface IqEvent {
  iq: Element;
  /** The sending session (absent for an iq routed from elsewhere than a local client). */
  session: Session | undefined;
  /** Where it was addressed. */
  to: Jid | undefined;
  /** Runs `fn` once the reply is sent: what must follow it (a pubsub notification after a publish result). */
  afterReply(fn: () => void): void;
}

/** Every event, by name; `iq-get/host/urn:xmpp:ping:ping` names an iq by type, addressee and payload. */
export interface Events {
  /** Collects the features of a stream header (authenticated or not). */
  "stream-features": { host: StreamHost; features: Element[] };
  /** A top-level element of this namespace that is not a stanza. Claim it (return true). */
  [nonza: `nonza/${string}`]: { host: StreamHost; el: Element };
  /** An iq on a stream that has not authenticated (in-band registration). Return the reply. */
  "unauthenticated-iq": { host: StreamHost; iq: Element };
  /** The stream parser refused a client's input (malformed, restricted or oversized XML). */
  "input-refused": { condition: string };
  /** After the core handled a stanza or nonza from the client: XEP-0198 counts here. */
  "element-handled": { host: StreamHost; el: Element; kind: "stanza" | "errored" | "nonza" };
  /** A resource was bound on `host`. */
  "session-bound": { host: StreamHost; session: Session };
  /** A stanza for the client behind `session`. Claim it to take over delivery. */
  deliver: { session: Session; el: Element };
  /** The client closed its stream cleanly. Claim it to keep the session alive. */
  "stream-closed": { session: Session };
  /** The connection dropped. Claim it to keep the session alive (hibernation). */
  "link-lost": { session: Session };
  "session-resumed": { session: Session };
  "session-hibernated": { session: Session };
  "session-ended": { session: Session; reason: EndReason };
  /** `iq-get/host/...`, `iq-set/self/...` (the sender's own bare JID), `iq-get/bare/...` (another local account). */
  [iq: `iq-${"get" | "set"}/${"host" | "self" | "bare"}/${string}`]: IqEvent;
  /** Presence from a bound client. Return true when answered with an error. */
  "presence/outgoing": { session: Session; el: Element };
  /** Presence routed to a local account. */
  "presence/inbound": { el: Element; to: Jid };
  /** A subscription change on a user's behalf (a roster removal, an account removal). */
  "presence/subscription": { from: Jid; contact: string; type: "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed" };
  /** An account is about to be removed: its sessions are gone, its roster not yet. */
  "account-removing": { jid: Jid };
  /** Collects disco#items of the domain (`node` when asked for one). */
  "disco-items": { session: Session | undefined; node: string | undefined; items: Element[] };
  /** An iq result or error addressed to the server itself or to an account's bare JID: the answer to a request a module sent (on the account's behalf). */
  "iq-response": { iq: Element };
  /** A message to a local account's bare JID, before delivery; `remote` when it came from another server (S2S). Claim it to consume it (a PEP owner's form). */
  "message/bare": { el: Element; to: Jid; remote: boolean };
  /** A message from a bound client, after it was routed. */
  "message/sent": { session: Session; el: Element };
  /** A message routed to a local account was handed to these of its sessions. */
  "message/delivered": { el: Element; to: Jid; sessions: readonly Session[] };
  /** A stanza to another domain that no component serves (`pubsub.<domain>`). Claim it to serve that domain. */
  "service-stanza": { el: Element; to: Jid };
  /** A roster item changed (subscription, groups, ask) or was removed (`item` undefined). */
  "roster-changed": { username: string; jid: string; item: RosterItem | undefined };
  /** Available presence from a client, after its broadcast; `initial` when the session was unavailable before. */
  "presence-available": { session: Session; el: Element; initial: boolean };
  /** A session that was available became unavailable (unavailable presence, or its end). */
  "presence-unavailable": { session: Session };
  /** Asks for the XEP-0115 features of a session's client. Claim it with a ReadonlySet<string>. */
  "caps-features": { session: Session };
  /** The XEP-0115 features of a session's client became known or changed (verified, or reused from the cache). */
  "caps-changed": { session: Session; features: ReadonlySet<string> };
  /** Collects the features of an s2s stream header the server answers (after dialback's own). */
  "s2s-stream-features": { features: Element[] };
  /** An outgoing s2s stream to `domain` got the remote server's stream features (its caps <c/>, XEP-0115 6.3). */
  "remote-features": { domain: string; features: Element };
  /** The outgoing s2s stream to `domain` ended: what its features said may be stale. */
  "remote-gone": { domain: string };
  /** Asks whether the server of a remote domain takes notifications the XEP-0351 way. Claim it with true. */
  "remote-rsf": { domain: string };
  /** Collects an account's subscriptions on the pubsub services this server hosts, and those services' JIDs. */
  "pubsub-subscriptions": { account: Jid; hosted: Set<string>; list: HostedSubscription[] };
}

/** One subscription of an account on a service this server hosts. */
export interface HostedSubscription {
  service: string;
  node: string;
  jid: string;
  subscription: string;
  subid?: string;
}

type Handler<E> = (event: E) => unknown;

export class HookBus {
  private readonly handlers = new Map<string, Array<{ priority: number; fn: Handler<never> }>>();

  on<K extends keyof Events & string>(name: K, fn: Handler<Events[K]>, priority = 0): void {
    const list = this.handlers.get(name) ?? [];
    list.push({ priority, fn: fn as Handler<never> });
    list.sort((a, b) => b.priority - a.priority);
    this.handlers.set(name, list);
  }

  /** Runs the handlers until one claims the event; returns what it returned, or undefined. */
  fire<K extends keyof Events & string>(name: K, event: Events[K]): unknown {
    for (const { fn } of this.handlers.get(name) ?? []) {
      const result = (fn as Handler<Events[K]>)(event);
      if (result !== undefined && result !== false) return result;
    }
    return undefined;
  }

  /** Runs every handler (collecting events: features, items). */
  fireAll<K extends keyof Events & string>(name: K, event: Events[K]): void {
    for (const { fn } of this.handlers.get(name) ?? []) (fn as Handler<Events[K]>)(event);
  }

  has(name: string): boolean {
    return (this.handlers.get(name)?.length ?? 0) > 0;
  }
}

/** The event name of an iq request: `iq-get/host/urn:xmpp:ping:ping`. */
export function iqEventName(type: "get" | "set", scope: "host" | "self" | "bare", payload: Element): `iq-${"get" | "set"}/${"host" | "self" | "bare"}/${string}` {
  return `iq-${type}/${scope}/${payload.getNS()}:${payload.name}`;
}
