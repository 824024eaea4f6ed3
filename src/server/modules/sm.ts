// XEP-0198 Stream Management in three namespaces, never mixed in one session:
// urn:xmpp:sm:3 (1.6.3), urn:xmpp:sm:2 (same semantics, older wire details) and
// urn:xmpp:sm:1 (draft 0.7: <r u/> sequence numbers, h echoes u). Each fault in
// faults.ts is one conditional at the place its rule is enforced.
import { createHash, randomBytes } from "node:crypto";
import clone from "ltx/lib/clone.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS, type SmNamespace, type StanzaCondition } from "../../xmpp/ns.js";
import { H_MAX, incH, parseH } from "../../xmpp/sm-counter.js";
import type { ServerContext } from "../context.js";
import { errorFor } from "../replies.js";
import { route } from "../router.js";
import type { ClientLink, Session } from "../session.js";
import { SmState, type Unacked } from "../sm-state.js";
import { announceAvailable } from "./presence.js";

/** What SM needs from the connection it runs on. */
export interface SmHost extends ClientLink {
  /** The authenticated account, undefined before SASL success. */
  readonly username: string | undefined;
  readonly session: Session | undefined;
  /** SM enabled on this stream before bind (only reachable through faults). */
  pendingSm: SmState | undefined;
  /** The data chunk the element being handled arrived in. */
  readonly chunk: number;
  /** Makes this connection serve a resumed session. */
  adopt(session: Session): void;
}

export function smFeatures(ctx: ServerContext, authenticated: boolean): Element[] {
  if (!authenticated) return ctx.faults.has("sm.offer-before-auth") ? [xml("sm", { xmlns: NS.sm3 })] : [];
  return [
    xml("sm", { xmlns: NS.sm3 }),
    xml("sm", { xmlns: NS.sm2 }, xml("optional")),
    xml("sm", { xmlns: NS.sm1, stanzas: "10", max: ctx.faults.has("sm1.feature-without-max") ? undefined : String(ctx.config.smMax) }, xml("optional")),
  ];
}

export function isResumable(ctx: ServerContext, sm: SmState): boolean {
  return sm.resumable || ctx.faults.has("sm.resume-unresumable");
}

/** The SM state of the stream `host` runs, whether or not a resource is bound yet. */
export function smOf(host: SmHost): SmState | undefined {
  return host.session?.sm ?? host.pendingSm;
}

function failed(ctx: ServerContext, host: SmHost, ns: SmNamespace, condition: StanzaCondition, h?: number): void {
  const conditionNs = ctx.faults.has("sm.failed-wrong-ns") ? NS.streams : NS.stanzas;
  host.write(xml("failed", { xmlns: ns, h: h === undefined ? undefined : String(h) }, xml(condition, { xmlns: conditionNs })));
}

function tooHighError(host: SmHost, ns: SmNamespace, h: number, sent: number): void {
  const detail = ns === NS.sm3 ? [xml("handled-count-too-high", { xmlns: NS.sm3, h: String(h), "send-count": String(sent) })] : [];
  host.streamError("undefined-condition", `h='${h}' acknowledges more than the ${sent} stanzas sent`, ...detail);
}

/** Handles a top-level element in one of the SM namespaces. */
export function handleSm(ctx: ServerContext, host: SmHost, el: Element): void {
  const ns = el.getNS() as SmNamespace;
  const current = smOf(host);
  if (current && current.ns !== ns) return failed(ctx, host, ns, "unexpected-request");
  switch (el.name) {
    case "enable":
      return enable(ctx, host, el, ns, current);
    case "resume":
      return resume(ctx, host, el, ns);
    case "r":
      if (!current) return failed(ctx, host, ns, "unexpected-request");
      countInbound(ctx, current, host.chunk, "nonza");
      return ns === NS.sm1 ? answerR1(ctx, host, el, current) : host.write(xml("a", { xmlns: ns, h: String(reportedH(ctx, current)) }));
    case "a":
      if (!current) return failed(ctx, host, ns, "unexpected-request");
      countInbound(ctx, current, host.chunk, "nonza");
      return handleA(ctx, host, el, current);
    default:
      return host.streamError("unsupported-stanza-type", `<${el.name}/> is not sent by clients`);
  }
}

function enable(ctx: ServerContext, host: SmHost, el: Element, ns: SmNamespace, current: SmState | undefined): void {
  const session = host.session;
  if (host.username === undefined) {
    if (!ctx.faults.has("sm.enable-before-auth")) return failed(ctx, host, ns, "unexpected-request");
  } else if (!session && !ctx.faults.has("sm.enable-before-bind")) {
    return failed(ctx, host, ns, "unexpected-request");
  }
  if (current && !ctx.faults.has("sm.double-enable")) return failed(ctx, host, ns, "unexpected-request");
  const resumable = el.attrs.resume === "true" || el.attrs.resume === "1";
  const clientMax = ns === NS.sm1 ? undefined : positiveInt(el.attrs.max);
  const window = clientMax ? Math.min(clientMax, ctx.config.smMax) : ctx.config.smMax;
  const id =
    ctx.faults.has("sm.reuse-id") && session
      ? createHash("sha256").update(session.jid.full).digest("base64url")
      : randomBytes(18).toString("base64url");
  const state = new SmState({ ns, id, resumable, window, enableChunk: host.chunk });
  // SM-13: the counter wraps at 2^32; this fault starts it at the edge and lets it run past.
  if (ctx.faults.has("sm.no-wrap")) state.inbound = H_MAX;
  if (current && session) ctx.sm.forget(current.id, session);
  if (session) attach(ctx, session, state);
  else host.pendingSm = state;
  const omitId = resumable && ctx.faults.has("sm.no-enabled-id");
  const max = resumable && ns !== NS.sm1 ? (ctx.faults.has("sm.zero-max") ? 0 : window) : undefined;
  const enabled = xml("enabled", {
    xmlns: ns === NS.sm1 && ctx.faults.has("sm1.enabled-wrong-ns") ? NS.sm3 : ns,
    id: omitId ? undefined : id,
    resume: resumable ? "true" : undefined,
    max: max === undefined ? undefined : String(max),
  });
  host.write(enabled);
  if (ctx.faults.has("sm.duplicate-enabled")) host.write(enabled);
}

/** Gives a bound session its SM state (at enable, or at bind after an early enable). */
export function attach(ctx: ServerContext, session: Session, state: SmState): void {
  session.sm = state;
  ctx.sm.register(state.id, session);
}

function positiveInt(v: string | undefined): number | undefined {
  return v !== undefined && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
}

export type InboundKind = "stanza" | "errored" | "nonza";

/** SM-11/SM-12: counts a handled stanza (never a nonza) toward the server's h. */
export function countInbound(ctx: ServerContext, state: SmState, chunk: number, kind: InboundKind): void {
  if (kind === "nonza" && !ctx.faults.has("sm.count-nonzas")) return;
  if (kind === "errored" && ctx.faults.has("sm.skip-error-stanzas")) return;
  if (chunk === state.enableChunk && ctx.faults.has("sm.count-from-enabled")) return;
  if (ctx.faults.has("sm.no-wrap")) state.inbound += 1;
  else state.countInbound();
}

/** The h the server reports in <a/> (SM-10, SM-14). */
function reportedH(ctx: ServerContext, state: SmState): number {
  let h = ctx.faults.has("sm.ack-off-by-one") ? incH(state.inbound) : state.inbound;
  state.acksSent++;
  if (ctx.faults.has("sm.h-goes-back") && state.acksSent % 2 === 0) h = incH(state.lastReportedH, H_MAX);
  state.lastReportedH = h;
  return h;
}

/** sm:1 sequence numbers are xs:integer with no wrap rule; only non-negative ones make sense. */
function parseSeq1(v: string | undefined): number | undefined {
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

/** sm:1: <r u='N'/> is answered with <a h='N'/>: h echoes the last u received. */
function answerR1(ctx: ServerContext, host: SmHost, el: Element, state: SmState): void {
  const u = parseSeq1(el.attrs.u);
  if (u === undefined) return failed(ctx, host, NS.sm1, "bad-request");
  state.lastU = u;
  host.write(xml("a", { xmlns: NS.sm1, h: String(ctx.faults.has("sm1.h-below-u") ? u - 1 : u) }));
}

/** Applies a client's h (from <a/> or <resume/>); false when it was too high and the stream is closing. */
function applyAck(ctx: ServerContext, host: SmHost, state: SmState, h: number): boolean {
  // sm:1 has no too-high rule: an h past the last stanza sent acknowledges everything.
  if (state.ns === NS.sm1 && state.tooHigh(h)) h = state.sent;
  if (state.tooHigh(h) && !ctx.faults.has("sm.ignore-ack-too-high")) {
    tooHighError(host, state.ns, h, state.sent);
    return false;
  }
  const dropped = state.ack(h);
  if (ctx.faults.has("sm.retransmit-acked")) retainedAcked.set(state, [...(retainedAcked.get(state) ?? []), ...dropped]);
  return true;
}

/** Acknowledged stanzas kept only so the sm.retransmit-acked fault can re-send them. */
const retainedAcked = new WeakMap<SmState, Unacked[]>();

function handleA(ctx: ServerContext, host: SmHost, el: Element, state: SmState): void {
  const h = state.ns === NS.sm1 ? parseSeq1(el.attrs.h) : parseH(el.attrs.h);
  if (h === undefined) return failed(ctx, host, state.ns, "bad-request");
  applyAck(ctx, host, state, h);
}

function resume(ctx: ServerContext, host: SmHost, el: Element, ns: SmNamespace): void {
  if (host.username === undefined && !ctx.faults.has("sm.resume-before-auth")) return failed(ctx, host, ns, "unexpected-request");
  if (host.session && !ctx.faults.has("sm.resume-after-bind")) return failed(ctx, host, ns, "unexpected-request");
  const previd = el.attrs.previd ?? "";
  const session = ctx.sm.find(previd);
  const state = session?.sm;
  const usable =
    session && state && state.ns === ns && isResumable(ctx, state) &&
    (host.username === undefined || session.jid.local === host.username || ctx.faults.has("sm.resume-other-account")) &&
    !(ns === NS.sm1 && ctx.faults.has("sm1.no-resume"));
  if (!usable) return resumeFailed(ctx, host, ns, previd);
  // sm:1 made h on <resume/> a SHOULD: without it, everything unacked is re-sent.
  const h = ns === NS.sm1 ? (el.attrs.h === undefined ? state.lastAcked : parseSeq1(el.attrs.h)) : parseH(el.attrs.h);
  if (h === undefined) return failed(ctx, host, ns, "bad-request");
  // Checked before the old session is touched: a too-high h closes only this new stream.
  if (ns !== NS.sm1 && state.tooHigh(h) && !ctx.faults.has("sm.ignore-ack-too-high")) return tooHighError(host, ns, h, state.sent);

  const old = session.link;
  if (old && old !== host) old.release(!ctx.faults.has("sm.no-conflict"));
  host.adopt(session);
  const resumedH = ctx.faults.has("sm.resumed-h-zero") ? 0 : ns === NS.sm1 ? state.lastU : state.inbound;
  host.write(xml("resumed", { xmlns: ns, previd, h: resumedH === undefined ? undefined : String(resumedH) }));
  ctx.log(`${session.jid.full} resumed (${ns}, h=${h}, ${state.queue.length} queued)`);
  applyAck(ctx, host, state, h);
  if (ctx.faults.has("sm.reset-counters-on-resume")) state.inbound = 0;
  retransmit(ctx, host, state);
  if (ctx.faults.has("sm.presence-flap")) announceAvailable(ctx, session);
}

function resumeFailed(ctx: ServerContext, host: SmHost, ns: SmNamespace, previd: string): void {
  const bare = host.username === undefined ? undefined : `${host.username}@${ctx.config.domain}`;
  const h = ctx.sm.tombstoneH(previd, bare) ?? (ctx.faults.has("sm.failed-with-h") ? 0 : undefined);
  failed(ctx, host, ns, ctx.faults.has("sm.failed-bad-request") ? "bad-request" : "item-not-found", ns === NS.sm1 ? undefined : h);
  if (ctx.faults.has("sm.close-after-failed-resume")) host.streamError("undefined-condition", "resumption failed");
}

/** SM-17: every stanza still unacknowledged, in the original order. */
function retransmit(ctx: ServerContext, host: SmHost, state: SmState): void {
  if (ctx.faults.has("sm.no-retransmit")) return;
  let entries = ctx.faults.has("sm.retransmit-acked") ? [...(retainedAcked.get(state) ?? []), ...state.queue] : [...state.queue];
  if (ctx.faults.has("sm.retransmit-reversed")) entries = entries.reverse();
  for (const entry of entries) writeCounted(ctx, host, state, entry);
}

function writeCounted(ctx: ServerContext, host: ClientLink, state: SmState, entry: Unacked): void {
  host.write(entry.el);
  if (state.ns === NS.sm1) host.write(xml("r", { xmlns: NS.sm1, u: String(ctx.faults.has("sm1.u-not-increasing") ? 1 : entry.seq) }));
}

/** A stanza to a client with SM enabled: numbered, queued until acked, written if connected. */
export function smSend(ctx: ServerContext, session: Session, el: Element): void {
  const state = session.sm!;
  const entry = state.recordSent(el);
  if (state.queue.length > ctx.config.smQueueLimit) {
    ctx.log(`${session.jid.full}: more than ${ctx.config.smQueueLimit} unacked stanzas`);
    // The session ends and its queue, this stanza included, is bounced or re-routed.
    if (session.link) session.link.streamError("resource-constraint", "too many unacknowledged stanzas");
    else ctx.sessions.end(session, "error");
    return;
  }
  if (!session.link) return;
  writeCounted(ctx, session.link, state, entry);
  // Clients that ack only when asked (slixmpp) would otherwise run into the queue
  // limit; asking once at half of it keeps short test sessions free of <r/>.
  if (state.ns !== NS.sm1 && state.queue.length === Math.ceil(ctx.config.smQueueLimit / 2)) session.link.write(xml("r", { xmlns: state.ns }));
}

/**
 * SM-26: what the session never got acknowledged goes elsewhere when it ends:
 * messages to the account's other available resources (delay-stamped) or back to
 * the sender as service-unavailable; iq requests get an error; the rest is dropped.
 */
export function disposeUnacked(ctx: ServerContext, session: Session): void {
  const state = session.sm!;
  const entries = state.queue;
  state.queue = [];
  if (ctx.faults.has("sm.silent-drop-on-expiry")) return;
  for (const { el, stamp } of entries) {
    const type = el.attrs.type;
    if (el.name === "iq" && (type === "get" || type === "set")) route(ctx, errorFor(el, "cancel", "service-unavailable"));
    if (el.name !== "message" || type === "error") continue;
    const targets = type === "groupchat" ? [] : ctx.sessions.messageTargets(session.jid.bare);
    for (const target of targets) {
      const copy = clone(el);
      if (!copy.getChild("delay", NS.delay)) copy.append(xml("delay", { xmlns: NS.delay, stamp: stamp.toISOString(), from: ctx.config.domain }));
      ctx.sessions.deliver(target, copy);
    }
    if (!targets.length && type !== "headline") route(ctx, errorFor(el, "cancel", "service-unavailable"));
  }
}
