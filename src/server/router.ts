// Stanza routing (RFC 6120 10, RFC 6121 8): full JIDs to their session, bare JIDs
// by stanza kind, the domain to its own iq handlers, anything else bounced.
import type { Element } from "../xmpp/element.js";
import { NS, type StanzaCondition } from "../xmpp/ns.js";
import type { ServerContext } from "./context.js";
import { parseJid, type Jid } from "./jid.js";
import { answerable, errorFor, resultFor, type ErrorType } from "./replies.js";
import type { Session } from "./session.js";
import { commandIq } from "./modules/admin-commands.js";
import { accountDiscoInfo, discoItems, serverDiscoInfo } from "./modules/disco.js";
import { pingIq } from "./modules/ping.js";
import { presenceFromClient, presenceToAccount } from "./modules/presence.js";
import { registerIq } from "./modules/register.js";
import { rosterIq } from "./modules/roster.js";

const IQ_TYPES = new Set(["get", "set", "result", "error"]);

/** Sends an error reply for `el` unless it must not be answered; true when one was sent. */
export function bounce(ctx: ServerContext, el: Element, type: ErrorType, condition: StanzaCondition, text?: string): boolean {
  if (!answerable(el)) return false;
  route(ctx, errorFor(el, type, condition, text));
  return true;
}

/**
 * A stanza from a bound client: `from` is stamped, `to` checked. Returns true when
 * it was answered with a stanza error (XEP-0198 still counts it as handled).
 */
export function routeFromClient(ctx: ServerContext, session: Session, el: Element): boolean {
  el.attrs.from = session.jid.full;
  const toAttr = el.attrs.to;
  const to = toAttr === undefined ? undefined : parseJid(toAttr);
  if (toAttr !== undefined && !to) return bounce(ctx, el, "modify", "jid-malformed");
  switch (el.name) {
    case "presence":
      return presenceFromClient(ctx, session, el);
    case "iq": {
      if (!IQ_TYPES.has(el.attrs.type ?? "") || el.attrs.id === undefined) return bounce(ctx, el, "modify", "bad-request");
      if (to && to.full !== ctx.config.domain && to.full !== session.jid.bare) return route(ctx, el);
      if (!answerable(el)) return false;
      const reply = ownIq(ctx, session, el, to?.local !== undefined && to.local !== "");
      ctx.sessions.deliver(session, reply);
      return reply.attrs.type === "error";
    }
    default:
      // A message without `to` is for the sender's own account (RFC 6120 10.3).
      if (!to) el.attrs.to = session.jid.bare;
      return route(ctx, el);
  }
}

/** Routes a stanza that already carries from and to; true when answered with an error. */
export function route(ctx: ServerContext, el: Element): boolean {
  const to = parseJid(el.attrs.to ?? "");
  if (!to) return false;
  if (to.domain !== ctx.config.domain) return bounce(ctx, el, "cancel", "remote-server-not-found");
  // Stanzas to the domain from elsewhere than a client (results, errors, presence) end here.
  if (!to.local) return false;
  if (!ctx.store.hasUser(to.local)) return el.name === "presence" ? false : bounce(ctx, el, "cancel", "service-unavailable");
  if (el.name === "presence") {
    presenceToAccount(ctx, el, to);
    return false;
  }
  if (to.resource) {
    const session = ctx.sessions.get(to.full);
    if (session) {
      ctx.sessions.deliver(session, el);
      return false;
    }
    // RFC 6121 8.5.3.2: only non-groupchat messages fall back to the bare JID.
    if (el.name === "iq" || el.attrs.type === "groupchat") return bounce(ctx, el, "cancel", "service-unavailable");
  }
  return el.name === "iq" ? accountIq(ctx, el) : messageToBare(ctx, el, to);
}

function messageToBare(ctx: ServerContext, el: Element, to: Jid): boolean {
  const type = el.attrs.type ?? "normal";
  if (type === "error") return false;
  if (type === "groupchat") return bounce(ctx, el, "cancel", "service-unavailable");
  const targets = ctx.sessions.messageTargets(to.bare);
  if (targets.length === 0) return type === "headline" ? false : bounce(ctx, el, "cancel", "service-unavailable");
  for (const s of targets) ctx.sessions.deliver(s, el);
  return false;
}

/** An iq to another account's bare JID, answered by the server on its behalf. */
function accountIq(ctx: ServerContext, iq: Element): boolean {
  if (!answerable(iq)) return false;
  const child = iq.getChildElements()[0];
  const ns = child?.getNS();
  const reply =
    iq.getChildElements().length !== 1 ? errorFor(iq, "modify", "bad-request")
    : ns === NS.discoInfo && iq.attrs.type === "get" ? accountDiscoInfo(iq)
    : ns === NS.ping && iq.attrs.type === "get" ? pingIq(iq)
    : errorFor(iq, "cancel", "service-unavailable");
  route(ctx, reply);
  return reply.attrs.type === "error";
}

/** An iq get/set to the server or to the sender's own bare JID. */
function ownIq(ctx: ServerContext, session: Session, iq: Element, toAccount: boolean): Element {
  const children = iq.getChildElements();
  if (children.length !== 1) return errorFor(iq, "modify", "bad-request", "an iq get/set has exactly one child");
  const ns = children[0]!.getNS();
  const get = iq.attrs.type === "get";
  switch (ns) {
    case NS.roster:
      return rosterIq(ctx, session, iq);
    case NS.discoInfo:
      return !get ? errorFor(iq, "cancel", "bad-request") : toAccount ? accountDiscoInfo(iq) : serverDiscoInfo(ctx, iq);
    case NS.discoItems:
      return get ? discoItems(ctx, session, iq) : errorFor(iq, "cancel", "bad-request");
    case NS.ping:
      return get ? pingIq(iq) : errorFor(iq, "cancel", "bad-request");
    case NS.register:
      return ctx.config.registration && !toAccount ? registerIq(ctx, iq, session.jid.local) : errorFor(iq, "cancel", "service-unavailable");
    case NS.commands:
      return commandIq(ctx, session, iq, toAccount);
    case NS.session:
      return resultFor(iq);
    case NS.bind:
      return errorFor(iq, "cancel", "not-allowed", "a resource is already bound");
    default:
      return errorFor(iq, "cancel", "service-unavailable");
  }
}
