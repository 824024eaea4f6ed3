// Bound resources by JID and their life cycle: bind, delivery, a lost connection and
// the end of a session, each an event on the bus (Stream Management takes over
// delivery and lost connections for the sessions it manages).
import { randomBytes } from "node:crypto";
import type { Element } from "../xmpp/element.js";
import type { HookBus } from "./hooks.js";
import { makeJid } from "./jid.js";
import { Session, type ClientLink } from "./session.js";

/** Why a session ends: a clean close, a window that expired, or an error. */
export type EndReason = "closed" | "expired" | "error";

export class Sessions {
  private readonly byBare = new Map<string, Map<string, Session>>();

  constructor(
    private readonly hooks: HookBus,
    private readonly domain: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Binds a resource; a session already holding it is replaced (RFC 6120 7.7.2.2). */
  bind(username: string, resource: string | undefined, link: ClientLink): Session {
    const jid = makeJid(username, this.domain, resource || randomBytes(6).toString("hex"));
    const old = this.get(jid.full);
    if (old) {
      if (old.link) old.link.streamError("conflict", "replaced by a new session");
      else this.end(old, "closed");
    }
    const session = new Session(jid, link);
    let resources = this.byBare.get(jid.bare);
    if (!resources) this.byBare.set(jid.bare, (resources = new Map()));
    resources.set(jid.resource, session);
    return session;
  }

  get(full: string): Session | undefined {
    const slash = full.indexOf("/");
    return slash < 0 ? undefined : this.byBare.get(full.slice(0, slash))?.get(full.slice(slash + 1));
  }

  /** Every bound session of an account, hibernating ones included. */
  of(bare: string): Session[] {
    return [...(this.byBare.get(bare)?.values() ?? [])];
  }

  /** Sessions that receive messages to the bare JID: available, priority >= 0 (RFC 6121 8.5.2.1.1). */
  messageTargets(bare: string): Session[] {
    return this.of(bare).filter((s) => s.available && s.priority >= 0);
  }

  /** Sends a stanza to the client behind a session (a module may take the delivery over). */
  deliver(session: Session, el: Element): void {
    if (session.ended) return;
    if (!this.hooks.fire("deliver", { session, el })) session.link?.write(el);
  }

  /** The connection dropped without a closing tag: the session ends unless a module keeps it. */
  linkLost(session: Session): void {
    if (session.ended) return;
    session.link = null;
    if (!this.hooks.fire("link-lost", { session })) this.end(session, "closed");
  }

  /** The client closed its stream: the session ends unless a module keeps it. */
  closedByClient(session: Session): void {
    if (session.ended) return;
    if (!this.hooks.fire("stream-closed", { session })) this.end(session, "closed");
  }

  end(session: Session, reason: EndReason): void {
    if (session.ended) return;
    session.ended = true;
    session.link = null;
    const resources = this.byBare.get(session.jid.bare);
    if (resources?.get(session.jid.resource) === session) resources.delete(session.jid.resource);
    if (resources?.size === 0) this.byBare.delete(session.jid.bare);
    this.log(`${session.jid.full} ended (${reason})`);
    this.hooks.fireAll("session-ended", { session, reason });
  }

  endAll(): void {
    for (const resources of this.byBare.values()) for (const s of resources.values()) s.ended = true;
    this.byBare.clear();
  }
}
