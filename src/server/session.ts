// One bound resource. It can outlive its connection (XEP-0198 hibernation), so
// everything that must survive a TCP drop lives here, not on the connection.
import type { Element } from "../xmpp/element.js";
import type { StreamCondition } from "../xmpp/ns.js";
import type { Jid } from "./jid.js";

/** The connection currently serving a session. */
export interface ClientLink {
  write(el: Element): void;
  /** Sends a stream error, closes, and ends the session the link still serves. */
  streamError(condition: StreamCondition, text?: string, ...extra: Element[]): void;
  /** Gives the session up without ending it (it was resumed elsewhere). */
  release(conflict: boolean): void;
}

export class Session {
  link: ClientLink | null;
  /** The last available presence broadcast; null while unavailable. Routing reads it (RFC 6121 8.5). */
  presence: Element | null = null;
  priority = 0;
  /** What protocol modules keep per session, by module name. */
  readonly state = new Map<string, unknown>();
  ended = false;

  constructor(
    readonly jid: Jid,
    link: ClientLink,
  ) {
    this.link = link;
  }

  get available(): boolean {
    return this.presence !== null;
  }
}
