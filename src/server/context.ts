// What every part of the running server shares: configuration, faults, state and
// the timers stop() must cancel.
import type { SecureContext } from "node:tls";
import type { Faults } from "./faults.js";
import type { Store } from "./store.js";
import type { Sessions } from "./sessions.js";
import type { SmRegistry } from "./sm-registry.js";

export interface ServerConfig {
  domain: string;
  smMax: number;
  smQueueLimit: number;
  tls: "off" | "optional" | "required";
  maxStanzaBytes: number;
  /** Element nesting below the stream root (a stanza is level 1). */
  maxDepth: number;
  registration: boolean;
}

export interface ServerContext {
  readonly config: ServerConfig;
  readonly faults: Faults;
  readonly store: Store;
  readonly sessions: Sessions;
  readonly sm: SmRegistry;
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
