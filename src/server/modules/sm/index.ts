// XEP-0198 Stream Management in three namespaces, never mixed in one session:
// urn:xmpp:sm:3 (1.6.3), urn:xmpp:sm:2 (same semantics, older wire details) and
// urn:xmpp:sm:1 (draft 0.7: <r u/> sequence numbers, h echoes u). Each fault in
// faults.ts is one conditional at the place its rule is enforced.
import { createHash, randomBytes } from "node:crypto";
import clone from "ltx/lib/clone.js";
import { xml, type Element } from "../../../xmpp/element.js";
import { NS, SM_NAMESPACES, isSmNamespace, type SmNamespace, type StanzaCondition } from "../../../xmpp/ns.js";
import { H_MAX, incH, parseH } from "../../../xmpp/sm-counter.js";
import type { ServerContext } from "../../context.js";
import type { StreamHost } from "../../hooks.js";
import { defineModule } from "../../module.js";
import { errorFor } from "../../replies.js";
import { route } from "../../router.js";
import type { ClientLink, Session } from "../../session.js";
import { SmRegistry } from "./registry.js";
import { SmState, type Unacked } from "./state.js";

type SmHost = StreamHost;

const KEY = "sm";

/** The SM-ID registry of each running server. */
const registries = new WeakMap<ServerContext, SmRegistry>();
const registryOf = (ctx: ServerContext) => registries.get(ctx)!;

/** The SM state of a bound session. */
function stateOfSession(session: Session): SmState | undefined {
  return session.state.get(KEY) as SmState | undefined;
}

export default defineModule({
  name: "sm",
  faults: {
    "sm.offer-before-auth": { rules: ["SM-01"], description: "sm:3 feature is also offered in the pre-auth stream features" },
    "sm.enable-before-auth": { rules: ["SM-02"], description: "<enable/> before SASL success is answered with <enabled/>" },
    "sm.resume-before-auth": { rules: ["SM-02"], description: "<resume/> of a live previd before SASL success is answered with <resumed/>" },
    "sm.enable-before-bind": { rules: ["SM-03"], description: "<enable/> after SASL but before bind is answered with <enabled/>" },
    "sm.no-enabled-id": { rules: ["SM-05", "SM1-04"], description: "<enabled resume='true'/> is sent without an id" },
    "sm.reuse-id": { rules: ["SM-07"], description: "SM-ID is derived from the full JID, so sequential sessions of one full JID repeat it" },
    "sm.zero-max": { rules: ["SM-08"], description: "<enabled/> announces max='0'" },
    "sm.duplicate-enabled": { rules: ["SM-04", "SM-09"], description: "<enable/> is answered with two <enabled/> elements" },
    "sm.double-enable": { rules: ["SM-09"], description: "a second <enable/> is answered with a second <enabled/>" },
    "sm.ack-off-by-one": { rules: ["SM-10", "SM-11", "SM-12", "SM-16", "SM-18"], description: "<a/> reports the inbound count plus one" },
    "sm.count-nonzas": { rules: ["SM-11", "SM-10", "SM-12", "SM-16", "SM-18", "SM-20"], description: "<r/>, <a/> and CSI nonzas are counted as stanzas" },
    "sm.skip-presence": { rules: ["SM-11", "SM-10"], description: "presence stanzas (initial and directed) are not counted" },
    "sm.count-malformed-acks": { rules: ["SM-10", "SM-13"], description: "an <a/> whose h is missing or not an unsignedInt is counted as a stanza" },
    "sm.skip-error-stanzas": { rules: ["SM-11"], description: "stanzas answered with a stanza error are not counted" },
    "sm.count-from-enabled": { rules: ["SM-12"], description: "a stanza arriving in the same data chunk as <enable/> is not counted" },
    "sm.no-wrap": { rules: ["SM-13", "SM-10", "SM-11", "SM-12", "SM-14", "SM-16", "SM-18"], description: "inbound counter starts at 4294967295 and is not reduced modulo 2^32" },
    "sm.h-goes-back": { rules: ["SM-14", "SM-10", "SM-11", "SM-18"], description: "every second <a/> reports one less than the previous one" },
    "sm.ignore-ack-too-high": { rules: ["SM-15"], description: "an h acknowledging more than was sent is accepted, in <a/> and <resume/>" },
    "sm.resume-any-namespace": { rules: ["SM-09"], description: "<resume/> in another SM namespace than the session's is resumed" },
    "sm.r-with-attributes": { rules: ["SM-10"], description: "the server's own <r/> carries an h attribute" },
    "sm.too-high-resume-orphans": { rules: ["SM-15", "SM-25"], description: "a <resume/> with too high an h leaves the session bound but no longer resumable, its contacts never told it went" },
    "sm.drop-while-hibernating": { rules: ["SM-17"], description: "a stanza for a hibernating session is discarded instead of queued" },
    "sm.resumed-h-zero": { rules: ["SM-16", "SM-18", "SM1-06"], description: "<resumed/> carries h='0'" },
    "sm.no-retransmit": { rules: ["SM-17", "SM1-08"], description: "unacknowledged stanzas are not re-sent after <resumed/>" },
    "sm.retransmit-acked": { rules: ["SM-17", "SM1-08"], description: "after <resumed/> the whole queue is re-sent, acknowledged stanzas included" },
    "sm.retransmit-reversed": { rules: ["SM-17", "SM1-08"], description: "unacknowledged stanzas are re-sent in reverse order" },
    "sm.reset-counters-on-resume": { rules: ["SM-18"], description: "inbound counter restarts at 0 after resumption (<resumed/> h is still right)" },
    "sm.resume-unresumable": { rules: ["SM-19"], description: "sessions enabled without resume hibernate and can be resumed" },
    "sm.failed-with-h": { rules: ["SM-20"], description: "an unknown previd gets <failed h='0'/>" },
    "sm.failed-bad-request": { rules: ["SM-20", "SM-19", "SM-25", "SM-28", "SM1-05"], description: "an unknown previd gets failed/bad-request" },
    "sm.close-after-failed-resume": { rules: ["SM-21"], description: "a failed resume is followed by a stream error" },
    "sm.no-conflict": { rules: ["SM-22"], description: "the old connection is left open after its session is resumed elsewhere" },
    "sm.failed-wrong-ns": { rules: ["SM-24"], description: "<failed/> conditions are in the streams namespace" },
    "sm.resume-after-close": { rules: ["SM-25", "SM-26"], description: "a cleanly closed session hibernates and stays resumable, its unacknowledged stanzas held in it" },
    "sm.silent-drop-on-expiry": { rules: ["SM-26"], description: "unacknowledged stanzas are discarded at expiry or queue overflow" },
    "sm.close-drops-unacked": { rules: ["SM-26"], description: "unacknowledged stanzas are discarded when the client closes its stream cleanly" },
    "sm.takeover-drops-queue": { rules: ["SM-26"], description: "a hibernating session replaced by a fresh login on its resource discards its unacknowledged stanzas" },
    "sm.expiry-forgets-presence": { rules: ["SM-25"], description: "a session whose window expires loses its presence first, so contacts get no unavailable presence" },
    "sm.early-expiry": { rules: ["SM-27"], description: "a hibernating session expires after half the announced max" },
    "sm.resume-other-account": { rules: ["SM-28"], description: "another account may resume a session" },
    "sm.resume-after-bind": { rules: ["SM-29"], description: "<resume/> after bind on the same stream succeeds" },
    "sm1.h-below-u": { rules: ["SM1-03"], description: "sm:1 <a/> answers <r u='N'/> with h='N-1'" },
    "sm1.feature-without-max": { rules: ["SM1-01"], description: "sm:1 stream feature lacks max" },
    "sm1.enabled-wrong-ns": { rules: ["SM1-02"], description: "sm:1 <enable/> is answered in the urn:xmpp:sm:3 namespace" },
    "sm1.no-resume": { rules: ["SM1-05"], description: "sm:1 <resume/> always fails with item-not-found" },
    "sm1.u-not-increasing": { rules: ["SM1-07"], description: "the server's sm:1 <r u/> repeats the same u" },
  },
  load(ctx) {
    registries.set(ctx, new SmRegistry());
    ctx.features.host.add(NS.sm2);
    ctx.features.host.add(NS.sm3);
    ctx.hooks.on("stream-features", ({ host, features }) => void features.push(...smFeatures(ctx, host.username !== undefined)));
    for (const ns of SM_NAMESPACES) ctx.hooks.on(`nonza/${ns}`, ({ host, el }) => (handleSm(ctx, host, el), true));
    ctx.hooks.on("element-handled", ({ host, el, kind }) => {
      const state = smOf(host);
      // Its own <enable/> and <resume/> never count, not even with sm.count-nonzas.
      if (state && !(isSmNamespace(el.getNS()) && (el.name === "enable" || el.name === "resume"))) countInbound(ctx, state, host.chunk, kind, el.name);
    });
    ctx.hooks.on("session-bound", ({ host, session }) => {
      // SM enabled before bind (only reachable through faults) moves to the session.
      const early = host.state.get(KEY) as SmState | undefined;
      if (early) attach(ctx, session, early);
      host.state.delete(KEY);
    });
    ctx.hooks.on("deliver", ({ session, el }) => {
      if (!stateOfSession(session)) return undefined;
      smSend(ctx, session, el);
      return true;
    });
    ctx.hooks.on("link-lost", ({ session }) => {
      const state = stateOfSession(session);
      if (!state || !isResumable(ctx, state)) return undefined;
      hibernate(ctx, session, state);
      return true;
    });
    ctx.hooks.on("stream-closed", ({ session }) => {
      const state = stateOfSession(session);
      if (state && ctx.faults.has("sm.close-drops-unacked")) state.queue = [];
      if (!state || !isResumable(ctx, state) || !ctx.faults.has("sm.resume-after-close")) return undefined;
      session.link = null;
      hibernate(ctx, session, state);
      return true;
    });
    ctx.hooks.on("session-ended", ({ session, reason }) => {
      const state = stateOfSession(session);
      if (!state) return;
      // Still hibernating (a resume clears expiry) and ended early: a fresh login took the resource.
      if (state.expiry && reason === "closed" && ctx.faults.has("sm.takeover-drops-queue")) state.queue = [];
      ctx.timers.cancel(state.expiry);
      registryOf(ctx).forget(state.id, session);
      if (reason === "expired") registryOf(ctx).bury(state.id, session.jid.bare, state.inbound);
      disposeUnacked(ctx, session, state);
    });
  },
});

/** Keeps a dropped session bound and queueing until its window passes. */
function hibernate(ctx: ServerContext, session: Session, state: SmState): void {
  const seconds = ctx.faults.has("sm.early-expiry") ? state.window / 2 : state.window;
  state.expiry = ctx.timers.after(seconds * 1000, () => {
    if (ctx.faults.has("sm.expiry-forgets-presence")) session.presence = null;
    ctx.sessions.end(session, "expired");
  });
  ctx.log(`${session.jid.full} hibernating for ${seconds}s`);
  ctx.hooks.fireAll("session-hibernated", { session });
}

function smFeatures(ctx: ServerContext, authenticated: boolean): Element[] {
  if (!authenticated) return ctx.faults.has("sm.offer-before-auth") ? [xml("sm", { xmlns: NS.sm3 })] : [];
  return [
    xml("sm", { xmlns: NS.sm3 }),
    xml("sm", { xmlns: NS.sm2 }, xml("optional")),
    xml("sm", { xmlns: NS.sm1, stanzas: "10", max: ctx.faults.has("sm1.feature-without-max") ? undefined : String(ctx.config.smMax) }, xml("optional")),
  ];
}

function isResumable(ctx: ServerContext, sm: SmState): boolean {
  return sm.resumable || ctx.faults.has("sm.resume-unresumable");
}

/** The SM state of the stream `host` runs, whether or not a resource is bound yet. */
function smOf(host: SmHost): SmState | undefined {
  return host.session ? stateOfSession(host.session) : (host.state.get(KEY) as SmState | undefined);
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
function handleSm(ctx: ServerContext, host: SmHost, el: Element): void {
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
      return ns === NS.sm1 ? answerR1(ctx, host, el, current) : host.write(xml("a", { xmlns: ns, h: String(reportedH(ctx, current)) }));
    case "a":
      if (!current) return failed(ctx, host, ns, "unexpected-request");
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
  if (current && session) registryOf(ctx).forget(current.id, session);
  if (session) attach(ctx, session, state);
  else host.state.set(KEY, state);
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
function attach(ctx: ServerContext, session: Session, state: SmState): void {
  session.state.set(KEY, state);
  registryOf(ctx).register(state.id, session);
}

function positiveInt(v: string | undefined): number | undefined {
  return v !== undefined && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
}

type InboundKind = "stanza" | "errored" | "nonza";

/** SM-11/SM-12: counts a handled stanza (never a nonza) toward the server's h. */
function countInbound(ctx: ServerContext, state: SmState, chunk: number, kind: InboundKind, name: string): void {
  if (kind === "nonza" && !ctx.faults.has("sm.count-nonzas")) return;
  if (name === "presence" && ctx.faults.has("sm.skip-presence")) return;
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
  if (h === undefined) {
    if (ctx.faults.has("sm.count-malformed-acks")) state.countInbound();
    return failed(ctx, host, state.ns, "bad-request");
  }
  applyAck(ctx, host, state, h);
}

function resume(ctx: ServerContext, host: SmHost, el: Element, ns: SmNamespace): void {
  if (host.username === undefined && !ctx.faults.has("sm.resume-before-auth")) return failed(ctx, host, ns, "unexpected-request");
  if (host.session && !ctx.faults.has("sm.resume-after-bind")) return failed(ctx, host, ns, "unexpected-request");
  const previd = el.attrs.previd ?? "";
  const session = registryOf(ctx).find(previd);
  const state = session && stateOfSession(session);
  const usable =
    session && state && (state.ns === ns || ctx.faults.has("sm.resume-any-namespace")) && isResumable(ctx, state) &&
    (host.username === undefined || session.jid.local === host.username || ctx.faults.has("sm.resume-other-account")) &&
    !(ns === NS.sm1 && ctx.faults.has("sm1.no-resume"));
  if (!usable) return resumeFailed(ctx, host, ns, previd);
  // sm:1 made h on <resume/> a SHOULD: without it, everything unacked is re-sent.
  const h = ns === NS.sm1 ? (el.attrs.h === undefined ? state.lastAcked : parseSeq1(el.attrs.h)) : parseH(el.attrs.h);
  if (h === undefined) return failed(ctx, host, ns, "bad-request");
  // Checked before the old session is touched: a too-high h closes only this new stream.
  if (ns !== NS.sm1 && state.tooHigh(h) && !ctx.faults.has("sm.ignore-ack-too-high")) {
    if (ctx.faults.has("sm.too-high-resume-orphans")) orphan(ctx, session, state);
    return tooHighError(host, ns, h, state.sent);
  }

  const old = session.link;
  if (old && old !== host) old.release(!ctx.faults.has("sm.no-conflict"));
  ctx.timers.cancel(state.expiry);
  state.expiry = undefined;
  host.adopt(session);
  const resumedH = ctx.faults.has("sm.resumed-h-zero") ? 0 : ns === NS.sm1 ? state.lastU : state.inbound;
  host.write(xml("resumed", { xmlns: ns, previd, h: resumedH === undefined ? undefined : String(resumedH) }));
  ctx.log(`${session.jid.full} resumed (${ns}, h=${h}, ${state.queue.length} queued)`);
  applyAck(ctx, host, state, h);
  if (ctx.faults.has("sm.reset-counters-on-resume")) state.inbound = 0;
  retransmit(ctx, host, state);
  ctx.hooks.fireAll("session-resumed", { session });
}

/** The half-alive session the sm.too-high-resume-orphans fault leaves: bound, unreachable by <resume/>, never expiring. */
function orphan(ctx: ServerContext, session: Session, state: SmState): void {
  ctx.timers.cancel(state.expiry);
  state.expiry = undefined;
  registryOf(ctx).forget(state.id, session);
}

function resumeFailed(ctx: ServerContext, host: SmHost, ns: SmNamespace, previd: string): void {
  const bare = host.username === undefined ? undefined : `${host.username}@${ctx.config.domain}`;
  const h = registryOf(ctx).tombstoneH(previd, bare) ?? (ctx.faults.has("sm.failed-with-h") ? 0 : undefined);
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
function smSend(ctx: ServerContext, session: Session, el: Element): void {
  const state = stateOfSession(session)!;
  if (!session.link && ctx.faults.has("sm.drop-while-hibernating")) return;
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
  if (state.ns !== NS.sm1 && state.queue.length === Math.ceil(ctx.config.smQueueLimit / 2)) {
    session.link.write(xml("r", { xmlns: state.ns, h: ctx.faults.has("sm.r-with-attributes") ? String(state.inbound) : undefined }));
  }
}

/**
 * SM-26: what the session never got acknowledged goes elsewhere when it ends:
 * messages to the account's other available resources (delay-stamped) or back to
 * the sender as service-unavailable; iq requests get an error; the rest is dropped.
 */
function disposeUnacked(ctx: ServerContext, session: Session, state: SmState): void {
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
