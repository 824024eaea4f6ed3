// What every part of the running server shares: configuration, faults, the hook bus,
// the shared services modules use instead of each other (accounts and rosters,
// sessions, components, disco features), and the timers stop() must cancel.
import type { SecureContext } from "node:tls";
import type { Element } from "../xmpp/element.js";
import type { Mechanism } from "./sasl.js";
import type { Components } from "./components.js";
import type { Faults } from "./faults.js";
import type { HookBus } from "./hooks.js";
import type { Rosters } from "./rosters.js";
import type { Store } from "./store.js";
import type { Sessions } from "./sessions.js";

export interface ServerConfig {
  domain: string;
  smMax: number;
  smQueueLimit: number;
  tls: "off" | "optional" | "required";
  maxStanzaBytes: number;
  /** Element nesting below the stream root (a stanza is level 1). */
  maxDepth: number;
  registration: boolean;
  /** Usernames (lower case) that may run the XEP-0133 commands. */
  admins: string[];
  /** SASL mechanisms offered, strongest first; -PLUS ones only where the connection can bind. */
  sasl: Mechanism[];
  /** XEP-0114 components: the shared secret of each component domain (lower case). */
  components: ReadonlyMap<string, string>;
  /** How long a request sent on an account's behalf waits for its answer before the requester gets remote-server-timeout. */
  upstreamTimeoutMs: number;
}

/** Delivery to other servers' domains (S2S): bounced remote-server-not-found where there is no route. */
export interface RemoteDelivery {
  /** True when it was bounced at once (no route). */
  send(el: Element, domain: string): boolean;
}

export interface ServerContext {
  readonly config: ServerConfig;
  readonly faults: Faults;
  readonly store: Store;
  readonly sessions: Sessions;
  readonly rosters: Rosters;
  readonly components: Components;
  readonly remotes: RemoteDelivery;
  readonly hooks: HookBus;
  /** disco#info features modules add: of the domain, and of every account (answered by the server). */
  readonly features: { readonly host: Set<string>; readonly account: Set<string> };
  /** disco#info identities modules add to every account besides account/registered (PEP's pubsub/pep). */
  readonly accountIdentities: Array<{ category: string; type: string; name?: string }>;
  /** The server's own identity in disco#info (and so in the caps it advertises). */
  readonly identity: { category: string; type: string; name: string };
  readonly timers: Timers;
  readonly secureContext: SecureContext;
  /** False when nobody listens, so per-element traces are not even formatted. */
  readonly logging: boolean;
  log(line: string): void;
}

/** setTimeout handles that stop() clears all at once. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    // Never the reason the process stays up: the listeners are.
    t.unref();
    this.pending.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.pending.delete(t);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
