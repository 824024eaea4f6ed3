// Stanza routing (RFC 6120 10, RFC 6121 8): full JIDs to their session, messages to
// a bare JID by availability, presence and iq requests to the modules that hooked
// them on the bus (`presence/...`, `iq-get/host/urn:xmpp:ping:ping`), other domains to
// the XEP-0114 component serving them or to the module serving them
// (`service-stanza`), anything else to its server over S2S (bounced when it has no route).
import type { Element } from "../xmpp/element.js";
import type { StanzaCondition } from "../xmpp/ns.js";
import type { ServerContext } from "./context.js";
import { iqEventName } from "./hooks.js";
import { parseJid, type Jid } from "./jid.js";
import { answerable, errorFor, type ErrorType } from "./replies.js";
import type { Session } from "./session.js";

const IQ_TYPES = new Set(["get", "set", "result", "error"]);

/** An iq every receiver can answer: a known type and an id (RFC 6120 8.2.3). */
export function wellFormedIq(el: Element): boolean {
  return IQ_TYPES.has(el.attrs.type ?? "") && el.attrs.id !== undefined;
}

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
      if (!wellFormedIq(el)) return bounce(ctx, el, "modify", "bad-request");
      if (to && to.full !== ctx.config.domain && to.full !== session.jid.bare) return route(ctx, el);
      if (!answerable(el)) {
        // The answer to a request the server sent (a caps query) comes back to the domain.
        if (!to || to.full === ctx.config.domain) ctx.hooks.fire("iq-response", { iq: el });
        return false;
      }
      const answer = requestToModules(ctx, el, session, to, to?.local ? "self" : "host");
      if (answer.reply) ctx.sessions.deliver(session, answer.reply);
      answer.then();
      return answer.reply?.attrs.type === "error";
    }
    default: {
      // A message without `to` is for the sender's own account (RFC 6120 10.3).
      if (!to) el.attrs.to = session.jid.bare;
      const errored = route(ctx, el);
      ctx.hooks.fireAll("message/sent", { session, el });
      return errored;
    }
  }
}

/** Routes a stanza that already carries from and to (`remote`: it came from another server); true when answered with an error. */
export function route(ctx: ServerContext, el: Element, remote = false): boolean {
  const to = parseJid(el.attrs.to ?? "");
  if (!to) return false;
  if (to.domain !== ctx.config.domain) return toOtherDomain(ctx, el, to);
  if (!to.local) return toServer(ctx, el, to);
  if (!ctx.store.hasUser(to.local)) return el.name === "presence" ? false : bounce(ctx, el, "cancel", "service-unavailable");
  if (el.name === "presence") {
    ctx.hooks.fire("presence/inbound", { el, to });
    return false;
  }
  if (to.resource) {
    const session = ctx.sessions.get(to.full);
    if (session) {
      ctx.sessions.deliver(session, el);
      if (el.name === "message") ctx.hooks.fireAll("message/delivered", { el, to, sessions: [session] });
      return false;
    }
    // RFC 6121 8.5.3.2: only non-groupchat messages fall back to the bare JID.
    if (el.name === "iq" || el.attrs.type === "groupchat") return bounce(ctx, el, "cancel", "service-unavailable");
  }
  return el.name === "iq" ? accountIq(ctx, el, to) : messageToBare(ctx, el, to, remote);
}

/**
 * A configured component's domain is one this server serves (RFC 6120 10.5), not a
 * remote domain (10.4): nothing is resolved or dialled for it, so remote-server-not-found
 * would be wrong. While the component is not connected its service is unavailable, for
 * now: service-unavailable of type wait (retry later), as Prosody answers.
 */
function toOtherDomain(ctx: ServerContext, el: Element, to: Jid): boolean {
  if (ctx.components.configured(to.domain)) {
    const link = ctx.components.link(to.domain);
    if (link) {
      link.write(el);
      return false;
    }
    return el.name === "presence" ? false : bounce(ctx, el, "wait", "service-unavailable", `${to.domain} is not connected`);
  }
  if (ctx.hooks.fire("service-stanza", { el, to })) return false;
  return ctx.remotes.send(el, to.domain);
}

/** A stanza to the domain from elsewhere than a client session (a component): requests are answered. */
function toServer(ctx: ServerContext, el: Element, to: Jid): boolean {
  if (el.name !== "iq") return false;
  if (!answerable(el)) {
    ctx.hooks.fire("iq-response", { iq: el });
    return false;
  }
  const answer = requestToModules(ctx, el, undefined, to, "host");
  if (answer.reply) route(ctx, answer.reply);
  answer.then();
  return answer.reply?.attrs.type === "error";
}

function messageToBare(ctx: ServerContext, el: Element, to: Jid, remote: boolean): boolean {
  const type = el.attrs.type ?? "normal";
  if (type === "error") return false;
  if (ctx.hooks.fire("message/bare", { el, to, remote })) return false;
  if (type === "groupchat") return bounce(ctx, el, "cancel", "service-unavailable");
  const targets = ctx.sessions.messageTargets(to.bare);
  if (targets.length === 0) return type === "headline" ? false : bounce(ctx, el, "cancel", "service-unavailable");
  for (const s of targets) ctx.sessions.deliver(s, el);
  ctx.hooks.fireAll("message/delivered", { el, to, sessions: targets });
  return false;
}

/** An iq to another account's bare JID, answered by the server on its behalf. */
function accountIq(ctx: ServerContext, iq: Element, to: Jid): boolean {
  if (!answerable(iq)) {
    // The answer to a request the server sent from the account's bare JID (XEP-0376).
    ctx.hooks.fire("iq-response", { iq });
    return false;
  }
  const answer = requestToModules(ctx, iq, undefined, to, "bare");
  if (answer.reply) route(ctx, answer.reply);
  answer.then();
  return answer.reply?.attrs.type === "error";
}

/** A reply (undefined when a module will send it later), and what must follow it once it is sent. */
interface Answer {
  reply: Element | undefined;
  then(): void;
}

/**
 * An iq get/set for the server to answer: exactly one payload, handed to the module
 * that hooked its type, addressee and payload; service-unavailable when none did.
 */
function requestToModules(ctx: ServerContext, iq: Element, session: Session | undefined, to: Jid | undefined, scope: "host" | "self" | "bare"): Answer {
  const after: Array<() => void> = [];
  const then = () => {
    for (const fn of after) fn();
  };
  const payloads = iq.getChildElements();
  if (payloads.length !== 1) return { reply: errorFor(iq, "modify", "bad-request", "an iq get/set has exactly one child"), then };
  const type = iq.attrs.type as "get" | "set";
  const reply = ctx.hooks.fire(iqEventName(type, scope, payloads[0]!), { iq, session, to, afterReply: (fn) => after.push(fn) });
  if (reply === true) return { reply: undefined, then };
  return { reply: (reply as Element | undefined) ?? errorFor(iq, "cancel", "service-unavailable"), then };
}
