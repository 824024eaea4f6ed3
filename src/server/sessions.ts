// Bound resources by JID and their life cycle: bind, delivery, hibernation on a
// TCP drop (XEP-0198), and the end of a session.
import { randomBytes } from "node:crypto";
import type { Element } from "../xmpp/element.js";
import type { ServerContext } from "./context.js";
import { makeJid } from "./jid.js";
import { Session, type ClientLink } from "./session.js";
import { announceUnavailable, endPresence } from "./modules/presence.js";
import { disposeUnacked, isResumable, smSend } from "./modules/sm.js";

/** Why a session ends: a clean close forgets its SM-ID, an expiry leaves a tombstone. */
export type EndReason = "closed" | "expired" | "error";

export class Sessions {
  private readonly byBare = new Map<string, Map<string, Session>>();

  constructor(private readonly ctx: ServerContext) {}

  /** Binds a resource; a session already holding it is replaced (RFC 6120 7.7.2.2). */
  bind(username: string, resource: string | undefined, link: ClientLink): Session {
    const jid = makeJid(username, this.ctx.config.domain, resource || randomBytes(6).toString("hex"));
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

  /** Sends a stanza to the client behind a session, through SM when it is enabled. */
  deliver(session: Session, el: Element): void {
    if (session.ended) return;
    if (session.sm) smSend(this.ctx, session, el);
    else session.link?.write(el);
  }

  /** The connection dropped without a closing tag. */
  linkLost(session: Session): void {
    if (session.ended) return;
    const sm = session.sm;
    if (!sm || !isResumable(this.ctx, sm)) {
      this.end(session, "closed");
      return;
    }
    this.hibernate(session);
  }

  hibernate(session: Session): void {
    const sm = session.sm!;
    session.link = null;
    const seconds = this.ctx.faults.has("sm.early-expiry") ? sm.window / 2 : sm.window;
    session.expiry = this.ctx.timers.after(seconds * 1000, () => this.end(session, "expired"));
    this.ctx.log(`${session.jid.full} hibernating for ${seconds}s`);
    if (this.ctx.faults.has("sm.presence-flap")) announceUnavailable(this.ctx, session);
  }

  /** A resumed session is served by `link` again. */
  wake(session: Session, link: ClientLink): void {
    this.ctx.timers.cancel(session.expiry);
    session.expiry = undefined;
    session.link = link;
  }

  end(session: Session, reason: EndReason): void {
    if (session.ended) return;
    session.ended = true;
    session.link = null;
    this.ctx.timers.cancel(session.expiry);
    const resources = this.byBare.get(session.jid.bare);
    if (resources?.get(session.jid.resource) === session) resources.delete(session.jid.resource);
    if (resources?.size === 0) this.byBare.delete(session.jid.bare);
    this.ctx.log(`${session.jid.full} ended (${reason})`);
    endPresence(this.ctx, session);
    const sm = session.sm;
    if (sm) {
      this.ctx.sm.forget(sm.id, session);
      if (reason === "expired") this.ctx.sm.bury(sm.id, session.jid.bare, sm.inbound);
      disposeUnacked(this.ctx, session);
    }
  }

  endAll(): void {
    for (const resources of this.byBare.values()) for (const s of resources.values()) s.ended = true;
    this.byBare.clear();
  }
}
