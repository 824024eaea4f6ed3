// Stanza routing (RFC 6120 10, RFC 6121 8): full JIDs to their session, messages to
// a bare JID by availability, presence and iq requests to the modules that hooked
// them on the bus (`presence/...`, `iq-get/host/urn:xmpp:ping:ping`), anything else
// bounced.
import type { Element } from "../xmpp/element.js";
import type { StanzaCondition } from "../xmpp/ns.js";
import type { ServerContext } from "./context.js";
import { iqEventName } from "./hooks.js";
import { parseJid, type Jid } from "./jid.js";
import { answerable, errorFor, type ErrorType } from "./replies.js";
import type { Session } from "./session.js";

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
      return ctx.hooks.fire("presence/outgoing", { session, el }) === true;
    case "iq": {
      if (!IQ_TYPES.has(el.attrs.type ?? "") || el.attrs.id === undefined) return bounce(ctx, el, "modify", "bad-request");
      if (to && to.full !== ctx.config.domain && to.full !== session.jid.bare) return route(ctx, el);
      if (!answerable(el)) return false;
      const reply = requestToModules(ctx, el, session, to, to?.local ? "self" : "host");
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
    ctx.hooks.fire("presence/inbound", { el, to });
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
  return el.name === "iq" ? accountIq(ctx, el, to) : messageToBare(ctx, el, to);
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
function accountIq(ctx: ServerContext, iq: Element, to: Jid): boolean {
  if (!answerable(iq)) return false;
  const reply = requestToModules(ctx, iq, undefined, to, "bare");
  route(ctx, reply);
  return reply.attrs.type === "error";
}

/**
 * An iq get/set for the server to answer: exactly one payload, handed to the module
 * that hooked its type, addressee and payload; service-unavailable when none did.
 */
function requestToModules(ctx: ServerContext, iq: Element, session: Session | undefined, to: Jid | undefined, scope: "host" | "self" | "bare"): Element {
  const payloads = iq.getChildElements();
  if (payloads.length !== 1) return errorFor(iq, "modify", "bad-request", "an iq get/set has exactly one child");
  const type = iq.attrs.type as "get" | "set";
  const reply = ctx.hooks.fire(iqEventName(type, scope, payloads[0]!), { iq, session, to });
  return (reply as Element | undefined) ?? errorFor(iq, "cancel", "service-unavailable");
}
