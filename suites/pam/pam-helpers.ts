// Steps the PAM tests share: PAM-capable clients (their caps carry urn:xmpp:pam:0), the
// scripted remote service the harness component plays, a request with everything the
// requester received before its answer, the sentinel that proves nothing went on to the
// service, and the undo of a subscription a test made.
import { randomBytes } from "node:crypto";
import type { TestClient } from "../../src/harness/client.js";
import { ScriptedPubsubService, type Script } from "../../src/harness/scripted-pubsub.js";
import type { Account } from "../../src/harness/target.js";
import type { Need } from "../../src/runner/needs.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { xml, type Element } from "../../src/xmpp/element.js";
import { predicate, type Predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { listedSubscriptions, notifiedSubscription, notifyOf, pam, type PamOptions, type PamSubscription } from "../../src/xmpp/pam.js";
import { announceCaps } from "../common/caps.js";

export const SUITE = "pam";

export const needsPam: Need = { discoFeature: NS.pam, on: "account", label: "urn:xmpp:pam:0 (XEP-0376, on the account's bare JID)" };
/** PAM, and the harness component as the remote service. */
export const needsRemote: Need[] = [needsPam, { component: true }];


export function nodeName(kind: string): string {
  return `xc-pam-${kind}-${randomBytes(5).toString("hex")}`;
}

/**
 * A resource whose caps say whether it speaks PAM, with a feature of its own besides so
 * that the server has not seen its ver before and asks about it.
 */
export async function resource(t: TestContext, account: Account, opts: { pam: boolean; label?: string }): Promise<TestClient> {
  const c = await t.connect(account, opts.label ? { label: opts.label } : {});
  const features = [`urn:example:xmpp-conformance:client:${randomBytes(4).toString("hex")}`, ...(opts.pam ? [NS.pam] : [])];
  await announceCaps(t, c, features);
  return c;
}

/** The harness component as a pubsub service answering as `script` says. */
export async function remoteService(t: TestContext, script: Script = { answer: "subscribed" }): Promise<ScriptedPubsubService> {
  const service = new ScriptedPubsubService(await t.component());
  service.play(script);
  return service;
}

/** A <notify/> message, about `node` if given. */
export function notifyMessage(node?: string): Predicate {
  return predicate(`a <message><notify xmlns='${NS.pam}'><subscription node='${node ?? "…"}'/></notify></message>`, (el) => {
    const n = notifyOf(el);
    return n !== undefined && (node === undefined || notifiedSubscription(n).node === node);
  });
}

export function describeSubscription(s: PamSubscription): string {
  return Object.entries(s).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}='${v}'`).join(" ");
}

/** The request the service received: an ordinary XEP-0060 `operation` from the account's bare JID, for `node` and that JID (PAM-06, PAM-11). */
export function checkUpstream(request: Element | undefined, c: TestClient, service: string, operation: "subscribe" | "unsubscribe", node: string, rule: string): void {
  const bare = c.bareJid!.toLowerCase();
  check(request !== undefined, rule, `an XEP-0060 ${operation} request at ${service}`, "none arrived before the requester's answer");
  check(request.attrs.from?.toLowerCase() === bare, rule, `the ${operation} sent from the account's bare JID ${bare}`, request.toString());
  const inner = ScriptedPubsubService.operation(request);
  check(
    inner?.name === operation && inner.attrs.node === node && inner.attrs.jid?.toLowerCase() === bare,
    rule,
    `<iq type='set'><pubsub xmlns='${NS.pubsub}'><${operation} node='${node}' jid='${bare}'/></pubsub></iq>, the client's operation unchanged`,
    request.toString(),
  );
}

/** The answer to a PAM request, with the <notify/> messages that arrived before it. */
export interface Exchange {
  reply: Element;
  notifies: Element[];
}

/** Sends `request` and waits for its answer; the notifies that came first are consumed. */
export async function exchange(c: TestClient, request: Element, rule: string, timeout?: number): Promise<Exchange> {
  const reply = await c.iq(request, { rule, ...(timeout !== undefined ? { timeout } : {}) });
  const notifies = c.unreadBefore(reply).filter((el) => notifyOf(el) !== undefined);
  for (const n of notifies) await c.expect(predicate("a notify already received", (el) => el === n));
  return { reply, notifies };
}

/** A PAM subscribe that must succeed: the result, and the requester's notify about `node` before it. */
export async function subscribeThrough(t: TestContext, c: TestClient, service: string, node: string, rule: string, opts: PamOptions = {}): Promise<{ notify: Element; reply: Element }> {
  const { reply, notifies } = await exchange(c, pam.subscribe(service, node, c.bareJid!, opts), rule);
  undoSubscription(t, c.account!, service, node);
  check(reply.attrs.type === "result", rule, `a result to the PAM subscribe to ${node} at ${service}`, reply.toString());
  const notify = notifies.find((n) => notifiedSubscription(notifyOf(n)!).node === node);
  if (!notify) {
    const after = await c.drainUntilBarrier();
    check(false, "PAM-07", `a <notify/> about ${node} to the requesting PAM-capable resource before the result`, `the result ${reply.toString()} with ${notifies.length ? notifies.map(String).join(" ") : "no notify"} before it; after it: ${after.map(String).join(" ") || "nothing"}`);
  }
  return { notify, reply };
}

/**
 * Ends a subscription the test made through PAM, whatever the test's outcome. The
 * harness component has gone by then, so the undo attaches it again to answer the
 * unsubscribe (a service of the target needs no help).
 */
export function undoSubscription(t: TestContext, account: Account, service: string, node: string): void {
  t.onCleanup(async () => {
    const remote = t.options.component?.domain === service ? await remoteService(t) : undefined;
    const c = await t.connect(account, { label: "undo" });
    const listed = await c.iq(pam.list());
    const list = listed.attrs.type === "result" ? listed.getChild("subscriptions", NS.pam) : undefined;
    // What the listing shows; without a listing, one unsubscribe in case the subscribe took.
    const ours = list ? listedSubscriptions(list).filter((e) => e.service === service && e.node === node) : [{ subid: undefined }];
    for (const e of ours) await c.iq(pam.unsubscribe(service, node, c.bareJid!, e.subid));
    await c.close();
    await remote?.component.close();
  });
}

/** The listing with no ver: its <subscriptions/> element, or a failure of `rule`. */
export async function listing(c: TestClient, rule: string, ver?: string): Promise<Exchange & { list: Element | undefined }> {
  const ex = await exchange(c, pam.list(ver), rule);
  check(ex.reply.attrs.type === "result", rule, "a result to the PAM subscriptions listing", ex.reply.toString());
  return { ...ex, list: ex.reply.getChild("subscriptions", NS.pam) };
}

/** The full listing (no ver), which must carry one. */
export async function fullListing(c: TestClient, rule: string): Promise<{ list: Element; entries: PamSubscription[]; ver: string | undefined }> {
  const { list, reply } = await listing(c, rule);
  check(list !== undefined, "PAM-12", `a <subscriptions xmlns='${NS.pam}'/> list answering a listing without ver`, reply.toString());
  return { list, entries: listedSubscriptions(list), ver: list.attrs.ver };
}

/**
 * Proves that nothing reached the service: the client sends the component a message
 * after it has its answer, and the service must have received no request before it.
 */
export async function nothingForwarded(c: TestClient, service: ScriptedPubsubService, rule: string, what: string): Promise<void> {
  const id = `sentinel-${randomBytes(4).toString("hex")}`;
  await c.send(xml("message", { to: service.jid, id }, xml("body", {}, "sentinel")));
  const sentinel = await service.component.expect(predicate(`the client's sentinel message '${id}'`, (el) => el.name === "message" && el.attrs.id === id), { rule });
  const before = service.requestsBefore(sentinel);
  check(before.length === 0, rule, `nothing sent on to ${service.jid} for ${what}`, `${before.map(String).join(" ")} before the sentinel`);
}

/** The error's `by`, checked against the local side only (PAM-08). */
export function localGenerator(reply: Element, c: TestClient, domain: string): void {
  const by = reply.getChild("error")?.attrs.by;
  check(by === undefined || by === domain || by === c.bareJid, "PAM-08", `a local error with no 'by', or 'by' naming the local side (${domain} or ${c.bareJid})`, reply.toString());
}
