// Steps the Stream Management tests share: enable, ack round trips, kill-and-resume.
import type { TestClient } from "../../src/harness/client.js";
import type { Account } from "../../src/harness/target.js";
import type { TestContext } from "../../src/runner/test-context.js";
import type { Need } from "../../src/runner/needs.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { predicate } from "../../src/xmpp/match.js";
import { Element, xml } from "../../src/xmpp/element.js";
import { endOtherSessions, ensureMutualSubscription } from "../common/accounts.js";
import { message, newId, ping, sm } from "../../src/xmpp/builders.js";
import { NS, STANZA_CONDITIONS, SmNamespace } from "../../src/xmpp/ns.js";
import { parseH } from "../../src/xmpp/sm-counter.js";

export const SUITE = "sm";
export const SM3 = NS.sm3;

export const needsSm3: Need = { streamFeature: NS.sm3, label: "Stream Management (urn:xmpp:sm:3)" };
export const needsSm2: Need = { streamFeature: NS.sm2, label: "Stream Management (urn:xmpp:sm:2)" };
export const needsSm1: Need = { streamFeature: NS.sm1, label: "Stream Management draft 0.7 (urn:xmpp:sm:1)" };

/** xs:boolean: true or 1. */
export function xsTrue(value: string | undefined): boolean {
  return value === "true" || value === "1";
}

export interface Enabled {
  el: Element;
  id: string | undefined;
  resume: boolean;
  max: number | undefined;
}

/** Any answer the server can give to an SM request: an element of `ns`, or a stream error. */
export function smAnswer(ns: SmNamespace, ...names: string[]) {
  return predicate(
    `${names.map((n) => `<${n} xmlns='${ns}'/>`).join(" or ")} (or a stream error)`,
    (el) => (el.getNS() === ns && names.includes(el.name)) || el.is("error", NS.stream),
  );
}

/** Sends <enable/> and requires <enabled/> in the same namespace (SM-04, SM1-02). */
export async function enable(c: TestClient, opts: { ns?: SmNamespace; resume?: boolean; max?: number } = {}): Promise<Enabled> {
  const ns = opts.ns ?? SM3;
  await c.send(sm.enable(ns, { resume: opts.resume ? "true" : undefined, max: opts.max }));
  const rule = ns === NS.sm1 ? "SM1-02" : "SM-04";
  const el = await c.expect(
    predicate("<enabled/> or <failed/> (or a stream error)", (e) => ["enabled", "failed"].includes(e.name) || e.is("error", NS.stream)),
    { rule },
  );
  check(el.name === "enabled" && el.getNS() === ns, rule, `<enabled xmlns='${ns}'/>`, el.toString());
  const max = el.attrs.max === undefined ? undefined : Number(el.attrs.max);
  return { el, id: el.attrs.id, resume: xsTrue(el.attrs.resume), max };
}

/** Enables SM with resumption on `c`; skips when the target declines resumption (SM-06). */
async function enableResumable(t: TestContext, c: TestClient, opts: { max?: number; ns?: SmNamespace } = {}) {
  const enabled = await enable(c, { resume: true, ...opts });
  if (!enabled.resume) t.skip("the target did not grant resumption (SM-06 allows that)");
  const rule = opts.ns === NS.sm1 ? "SM1-04" : "SM-05";
  check(enabled.id, rule, "an id on <enabled resume='true'/>", enabled.el.toString());
  return { c, enabled, id: enabled.id };
}

/** A bound client with resumption granted. */
export async function resumable(t: TestContext, account: Account, opts: { max?: number; ns?: SmNamespace } = {}) {
  return enableResumable(t, await t.connect(account), opts);
}

/** A resumable session, the account's only one, whose presence a mutual contact watches. */
export async function watchedResumable(t: TestContext) {
  const [account, other] = await t.accounts(2);
  await endOtherSessions(t, account!);
  const c = await t.connect(account!);
  const contact = await t.connect(other!);
  await ensureMutualSubscription(t, c, contact);
  return { account: account!, contact, ...(await enableResumable(t, c)) };
}

/**
 * Like `resumable`, with a resumption window short enough to wait out and at least
 * `minSeconds` long: asks for `max` within --max-wait and skips when the server
 * announces a longer window, or one shorter than the test needs on this link.
 */
export async function resumableShort(t: TestContext, account: Account, minSeconds = 1) {
  if (minSeconds > t.options.maxWaitSec) {
    t.skip(`on this link the test needs a resumption window of at least ${minSeconds} s, longer than --max-wait ${t.options.maxWaitSec} s`);
  }
  const wanted = Math.max(minSeconds, Math.min(2, t.options.maxWaitSec));
  const session = await resumable(t, account, { max: wanted });
  const max = session.enabled.max;
  if (max === undefined) t.skip("the target announced no resumption window (max) on <enabled/>");
  check(Number.isInteger(max) && max > 0, "SM-08", "max a positive integer", session.enabled.el.toString());
  if (max > t.options.maxWaitSec) {
    t.skip(`the target's resumption window is ${max} s, longer than --max-wait ${t.options.maxWaitSec} s`);
  }
  if (max < minSeconds) t.skip(`the target granted max='${max}' when asked for ${wanted} s; on this link the test needs at least ${minSeconds} s`);
  return { ...session, max };
}

/** Sends <r/> and returns the h of the <a/> (SM-10), checking its range (SM-13). */
export async function requestAck(c: TestClient, ns: SmNamespace = SM3, rule = "SM-10"): Promise<number> {
  await c.send(sm.r(ns));
  const a = await c.expect({ name: "a", xmlns: ns }, { rule });
  const h = parseH(a.attrs.h);
  check(h !== undefined, "SM-13", "h an integer in [0, 4294967295]", a.toString());
  return h;
}

/** A message to the client's own full JID: a stanza that comes back to it. */
export function selfMessage(c: TestClient, body = "sm"): Element {
  return message(c.jid!, body);
}

/**
 * Opens an authenticated (unbound) stream as `account` and sends <resume/>. Returns the
 * answer, or no answer when the server closed the stream instead. On <resumed/> the new
 * client takes over the session's full JID from `previous`.
 */
export async function attemptResume(t: TestContext, account: Account, previd: string, h: number, ns: SmNamespace = SM3, previous?: TestClient) {
  const c = await t.connect(account, { until: "authenticated" });
  return { c, answer: await sendResume(c, previd, h, ns, previous) };
}

/** Sends <resume/> on an authenticated stream; the answer, or undefined when the server closed the stream. */
export async function sendResume(c: TestClient, previd: string, h: number, ns: SmNamespace = SM3, previous?: TestClient) {
  await c.send(sm.resume(previd, h, ns));
  const answer = await c.expect(smAnswer(ns, "resumed", "failed"), { rule: "SM-16" }).catch((err: unknown) => {
    if (c.streamClosed) return undefined;
    throw err;
  });
  if (answer?.name === "resumed" && previous?.jid) c.jid = previous.jid;
  return answer;
}

/** attemptResume, where closing the stream without <resumed/> or <failed/> breaks SM-24. */
export async function resumeAs(t: TestContext, account: Account, previd: string, h: number, ns: SmNamespace = SM3, previous?: TestClient) {
  const { c, answer } = await attemptResume(t, account, previd, h, ns, previous);
  return { c, answer: requireAnswer(c, answer) };
}

/** SM-24: the server answers <resume/> with <resumed/> or <failed/>, not by closing the stream. */
export function requireAnswer(c: TestClient, answer: Element | undefined): Element {
  if (!answer) throw new Violation("SM-24", "<resumed/> or <failed/> in answer to <resume/>", `the stream closed with no answer${c.streamError ? ` after ${c.streamError.toString()}` : ""}`);
  return answer;
}

/** The stanza error condition inside a <failed/>, if any. */
export function failedCondition(failed: Element): Element | undefined {
  return failed.getChildElements()[0];
}

/** SM-24: a <failed/> carries nothing but a condition from RFC 6120's stanza list. */
export function checkFailedCondition(failed: Element): void {
  const cond = failedCondition(failed);
  if (!cond) return;
  check(
    cond.getNS() === NS.stanzas && (STANZA_CONDITIONS as readonly string[]).includes(cond.name),
    "SM-24",
    "a stanza error condition in urn:ietf:params:xml:ns:xmpp-stanzas",
    cond.toString(),
  );
}

/** Requires `<failed/>` with `condition` (among `accepted`); `context` says when and on what reading. */
export function requireFailed(answer: Element, rule: string, accepted: string[], context = ""): void {
  const expected = `<failed/> with ${accepted.join(" or ")}${context ? ` ${context}` : ""}`;
  check(answer.name === "failed", rule, expected, answer.toString());
  checkFailedCondition(answer);
  const cond = failedCondition(answer)?.name;
  check(cond !== undefined && accepted.includes(cond), rule, expected, answer.toString());
}

/** Has B send `n` messages to A's full JID and waits until A has them all on the wire. */
export async function deliver(from: TestClient, to: TestClient, n: number, tag: string): Promise<Element[]> {
  const sent: Element[] = [];
  for (let i = 1; i <= n; i++) {
    const m = message(to.jid!, `${tag} ${i}`, { id: newId(tag) });
    sent.push(m);
    await from.send(m);
  }
  for (const m of sent) await to.expect({ name: "message", attrs: { id: m.attrs.id! } }, { rule: "RFC6120-routing" });
  return sent;
}

/**
 * Has B send A more messages than the target's unacknowledged-queue limit, then waits
 * on a barrier iq of B's (leaving any bounce unread) until every one has been routed.
 */
export async function overflow(t: TestContext, from: TestClient, to: TestClient, tag: string): Promise<Element[]> {
  const sent: Element[] = [];
  for (let i = 0; i < t.options.smQueueLimit! + 3; i++) {
    const m = message(to.jid!, `overflow ${i} ${newId("body")}`, { id: newId(tag) });
    sent.push(m);
    await from.send(m);
  }
  await from.iq(ping(t.domain));
  return sent;
}

/** Resolves after `ms`: only for waiting out a protocol timer the test itself asked to be short. */
export function waitProtocolTimer(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Requires that none of `elements` is an SM `name` element (any SM namespace). */
export function requireNone(elements: Element[], name: string, rule: string, expected: string): void {
  const hit = elements.find((el) => el.name === name && [NS.sm1, NS.sm2, NS.sm3].includes(el.getNS() as SmNamespace));
  if (hit) throw new Violation(rule, expected, hit.toString());
}

/**
 * Everything the server sent before answering a barrier ping, or, when the server
 * closed the stream instead (a stream error is an allowed answer), up to its end.
 */
export async function sentBeforeBarrier(c: TestClient): Promise<Element[]> {
  try {
    return await c.drainUntilBarrier();
  } catch (err) {
    if (c.streamClosed) return c.unread();
    throw err;
  }
}

/**
 * SASL as a barrier on an unauthenticated stream: everything the server sent in answer
 * to earlier requests arrives before the SASL outcome. The server may close the stream
 * instead, which is allowed too.
 */
export async function sentBeforeAuthentication(c: TestClient, account: Account): Promise<Element[]> {
  try {
    await c.authenticate(account);
  } catch (err) {
    if (!c.streamClosed) throw err;
  }
  return c.unread();
}

/**
 * Margin past an announced window before calling it expired: servers check windows
 * with whole-second timers (Prosody 0.12 at max + 1 s), which no rule forbids
 * (docs/rules-addendum.md, "Expiry").
 */
export const EXPIRY_MARGIN_MS = 2500;

/**
 * SM-26: every message must be accounted for, bounced to its sender or delivered to
 * the recipient's next session (offline storage, with a delay stamp). Silent loss fails.
 */
export async function requireAccountedFor(t: TestContext, sender: TestClient, recipient: Account, sent: Element[]): Promise<void> {
  const bounced = new Set(
    (await sender.drainUntilBarrier(undefined, { rule: "SM-26" }))
      .filter((el) => el.name === "message" && el.attrs.type === "error")
      .map((el) => el.attrs.id),
  );
  const missing = sent.filter((m) => !bounced.has(m.attrs.id));
  if (!missing.length) return;
  const later = await t.connect(recipient);
  await later.send(xml("presence"));
  const offline = (await later.drainUntilBarrier(undefined, { rule: "SM-26" })).filter((el) => el.name === "message");
  // Closed, so that later sessions of the account are not sent copies meant for this one.
  await later.close();
  const lost = missing.filter((m) => {
    const copy = offline.find((el) => el.attrs.id === m.attrs.id || el.getChildText("body") === m.getChildText("body"));
    return !copy || !copy.getChild("delay", NS.delay);
  });
  if (lost.length) {
    throw new Violation(
      "SM-26",
      "each unacknowledged message bounced to its sender or delivered later with a <delay/> stamp",
      `neither for ${lost.map((m) => m.attrs.id).join(", ")}`,
    );
  }
}
