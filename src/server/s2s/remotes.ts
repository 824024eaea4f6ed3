// The server's side of federation as the router sees it: the static route of each
// remote domain (no DNS here), one outgoing stream per remote domain, made on first
// use, and what happens to stanzas a stream could not deliver (bounced, or sent again
// once when a stream with XEP-0198 broke before acknowledging them).
import { randomBytes } from "node:crypto";
import type { Element } from "../../xmpp/element.js";
import type { DialbackVerdict } from "../../xmpp/dialback.js";
import type { StanzaCondition } from "../../xmpp/ns.js";
import type { RemoteDelivery, ServerContext } from "../context.js";
import { bounce } from "../router.js";
import type { IncomingStream } from "./incoming.js";
import { OutgoingLink, domainOf, type LinkOwner, type Route } from "./outgoing.js";

export class RemoteServers implements RemoteDelivery, LinkOwner {
  /** The dialback secret (XEP-0185): fresh per start, since keys never outlive the streams they prove. */
  readonly secret = randomBytes(32).toString("hex");
  private readonly links = new Map<string, OutgoingLink>();
  /** The last incoming stream each remote domain was proven on, for the fault that answers there. */
  private readonly incoming = new Map<string, IncomingStream>();
  /** Stanzas already sent again once: lost a second time, they bounce. */
  private readonly resent = new WeakSet<Element>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly routes: ReadonlyMap<string, Route>,
    private readonly timeoutMs: number,
  ) {}

  routed(domain: string): boolean {
    return this.routes.has(domain);
  }

  send(el: Element, domain: string): boolean {
    const back = this.ctx.faults.has("s2s.reply-on-incoming-stream") ? this.incoming.get(domain) : undefined;
    if (back) {
      back.writeStanza(el);
      return false;
    }
    const link = this.link(domain);
    if (!link) return bounce(this.ctx, el, "cancel", "remote-server-not-found");
    link.send(el);
    return false;
  }

  /** Asks `remote`'s authoritative server (its route) whether a key one of its streams gave is right. */
  verify(remote: string, local: string, streamId: string, key: string): Promise<DialbackVerdict> {
    const link = this.link(remote);
    return link ? link.verify(local, streamId, key) : Promise.resolve("error");
  }

  /** The domains the server may speak for as the authoritative server: its own and its subdomains (pubsub.<domain>). */
  ours(domain: string): boolean {
    const own = this.ctx.config.domain;
    return domain === own || domain.endsWith(`.${own}`);
  }

  /** `remote` was proven on an incoming stream. */
  proven(remote: string, stream: IncomingStream): void {
    if (this.ctx.faults.has("s2s.reply-on-incoming-stream")) this.incoming.set(remote, stream);
  }

  stop(): void {
    for (const link of this.links.values()) link.destroy();
    this.links.clear();
  }

  failed(stanzas: Element[], condition: StanzaCondition): void {
    const type = condition === "remote-server-timeout" ? "wait" : "cancel";
    for (const el of stanzas) bounce(this.ctx, el, type, condition);
  }

  unacked(stanzas: Element[]): void {
    for (const el of stanzas) {
      if (this.resent.has(el)) {
        bounce(this.ctx, el, "wait", "remote-server-timeout");
        continue;
      }
      this.resent.add(el);
      this.send(el, domainOf(el.attrs.to));
    }
  }

  gone(link: OutgoingLink): void {
    if (this.links.get(link.domain) === link) this.links.delete(link.domain);
  }

  private link(domain: string): OutgoingLink | undefined {
    const existing = this.links.get(domain);
    if (existing && !existing.closed) return existing;
    const route = this.routes.get(domain);
    if (!route) return undefined;
    const link = new OutgoingLink(this.ctx, domain, route, this.secret, this.timeoutMs, this);
    this.links.set(domain, link);
    return link;
  }
}
