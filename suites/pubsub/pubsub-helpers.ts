// Steps the pubsub tests share: node names unique per test, nodes created (by the test's
// account or the service admin) and deleted again, publishing, caps presence the server
// has asked about, and readers for notifications and pubsub errors.
import { randomBytes } from "node:crypto";
import { CAPS_NODE, capsPresence, harnessInfo } from "../../src/harness/caps.js";
import { announceCaps, isDiscoInfoGet } from "../common/caps.js";
import { errorText, stanzaConditionOf } from "../common/errors.js";
import { capsElement, capsVer, discoInfoQuery } from "../../src/xmpp/caps.js";
import type { TestClient } from "../../src/harness/client.js";
import type { Account } from "../../src/harness/target.js";
import { pubsubService } from "../../src/runner/capabilities.js";
import type { Need } from "../../src/runner/needs.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { iq, ping } from "../../src/xmpp/builders.js";
import { ensureMutualSubscription } from "../common/accounts.js";
import { xml, type Element } from "../../src/xmpp/element.js";
import { findForm, formValues, type FormValues } from "../../src/xmpp/forms.js";
import { predicate, type Predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { eventOf, notifyFeature, pubsub, pubsubErrorOf } from "../../src/xmpp/pubsub.js";

export const SUITE = "pubsub";


/** A matcher with more words for the verdicts that quote it. */
export function worded(matcher: Predicate, words: string): Predicate {
  return predicate(`${matcher.description ?? "a matching element"} ${words}`, matcher);
}

/** A pubsub feature var: `http://jabber.org/protocol/pubsub#<name>`. */
export const feature = (name: string) => `${NS.pubsub}#${name}`;

/** The pubsub service (the domain's disco#items entry with a pubsub/service identity) advertises this feature. */
export const onService = (name: string): Need => ({ discoFeature: feature(name), on: "pubsub" });
/** The account's bare JID (its PEP service) advertises this feature. */
export const onAccount = (name: string): Need => ({ discoFeature: feature(name), on: "account" });
/**
 * PEP: the account's bare JID has the pubsub/pep identity, which is how XEP-0163 §6.1 says
 * a server shows PEP support ("MUST return an identity of pubsub/pep"). Its example lists
 * pubsub# features but not http://jabber.org/protocol/pubsub itself, so a server may
 * rightly leave that feature out.
 */
export const needsPep: Need = { discoIdentity: "pubsub/pep", on: "account", label: "PEP (the pubsub/pep identity on the account's bare JID)" };

/** A fresh NodeID, so that tests running side by side and runs after runs never meet. */
export function pepNode(kind: string): string {
  return `urn:example:xmpp-conformance:${kind}:${randomBytes(5).toString("hex")}`;
}

export function serviceNodeName(kind: string): string {
  return `xc-${kind}-${randomBytes(5).toString("hex")}`;
}

/** A fresh ItemID. */
export function itemId(label = "item"): string {
  return `${label}-${randomBytes(4).toString("hex")}`;
}

/** XEP-0207 §3: presence as a pubsub payload. */
export function presencePayload(status: string): Element {
  return xml("presence", { xmlns: NS.client }, xml("status", {}, status));
}

/** XEP-0207 §5 and §6: a message as a pubsub payload. */
export function messagePayload(body: string): Element {
  return xml("message", { xmlns: NS.client }, xml("body", {}, body));
}

/** The JID of the pubsub service the run discovered; the test needs one (`onService`). */
export function serviceJid(t: TestContext): string {
  const service = pubsubService(t.run.capabilities);
  if (!service) t.skip("target lists no pubsub service (no pubsub/service identity among the domain's disco#items)");
  return service.jid;
}

export function isResult(reply: Element): boolean {
  return reply.attrs.type === "result";
}

export interface ExpectedError {
  /** The RFC 6120 stanza error condition. */
  condition: string;
  /** The pubsub#errors condition the specification asks for with it. */
  pubsub?: string;
}

/**
 * Requires `reply` to be an error with the stanza condition and the pubsub condition of
 * `want`, in the words of `rule`. The error type is not checked: XEP-0060 gives it only in
 * its examples, which disagree with RFC 6120 for unexpected-request.
 */
export function checkError(reply: Element, rule: string, want: ExpectedError, context: string): void {
  const wanted = `${want.condition}${want.pubsub ? ` + ${want.pubsub}` : ""}`;
  const got = () => `${errorText(reply)}: ${reply.toString()}`;
  check(reply.attrs.type === "error", rule, `${context}: an error ${wanted}`, got);
  check(stanzaConditionOf(reply) === want.condition, rule, `${context}: the stanza condition ${want.condition} (${wanted})`, got);
  if (want.pubsub) check(pubsubErrorOf(reply) === want.pubsub, rule, `${context}: the pubsub condition <${want.pubsub} xmlns='${NS.pubsubErrors}'/> (${wanted})`, got);
}

/** Requires an iq result; a failure names `rule` and says what was being done. */
export function requireResult(reply: Element, rule: string, what: string): Element {
  check(isResult(reply), rule, `${what}: an iq result`, () => `${errorText(reply)}: ${reply.toString()}`);
  return reply;
}

/** The <subscription/> of a subscribe answer. */
export function subscriptionOf(reply: Element): Element | undefined {
  return reply.getChild("pubsub", NS.pubsub)?.getChild("subscription");
}

// ---------------------------------------------------------------------------------------
// Notifications

type EventKind = "items" | "purge" | "delete" | "configuration" | "subscription";

/** A notification message whose <event/> holds <kind node='node'/> and passes `test`. */
export function event(node: string, kind: EventKind, words: string, test: (child: Element) => boolean = () => true): Predicate {
  return predicate(`a notification <message><event xmlns='${NS.pubsubEvent}'><${kind} node='${node}'/>…</event></message> (${words})`, (el) => {
    const child = eventOf(el)?.getChild(kind);
    return !!child && child.attrs.node === node && test(child);
  });
}

/** The notification of a published item. */
export function itemEvent(node: string, id: string): Predicate {
  return event(node, "items", `item '${id}'`, (items) => items.getChildren("item").some((i) => i.attrs.id === id));
}

/** Any notification of published items on `node`. */
export function anyItemEvent(node: string): Predicate {
  return event(node, "items", "any item", (items) => items.getChildren("item").length > 0);
}

/** Any notification at all about `node`. */
export function anyEvent(node: string): Predicate {
  return predicate(`any notification about node '${node}'`, (el) => {
    const ev = eventOf(el);
    return !!ev && ev.getChildElements().some((c) => c.attrs.node === node);
  });
}

/** The notification of a retracted item. */
export function retractEvent(node: string, id: string): Predicate {
  return event(node, "items", `<retract id='${id}'/>`, (items) => items.getChildren("retract").some((r) => r.attrs.id === id));
}

/** Any notification carrying a <retract/> on `node`. */
export function anyRetractEvent(node: string): Predicate {
  return event(node, "items", "any <retract/>", (items) => items.getChildren("retract").length > 0);
}

/** A subscription-state notification for `jid` (bare JIDs compared without case). */
export function subscriptionEvent(node: string, jid: string, state: string): Predicate {
  return event(node, "subscription", `jid='${jid}' subscription='${state}'`, (s) => s.attrs.jid?.toLowerCase() === jid.toLowerCase() && s.attrs.subscription === state);
}

/** The <item/> of an items notification. */
export function notifiedItem(message: Element, id: string): Element | undefined {
  return eventOf(message)?.getChild("items")?.getChildren("item").find((i) => i.attrs.id === id);
}

/** The XEP-0203 delay stamp of a message, if any. */
export function delayOf(message: Element): Element | undefined {
  return message.getChild("delay", NS.delay);
}

// ---------------------------------------------------------------------------------------
// Publishing and nodes

/** Publishes one item and requires the result; returns the ItemID (the one given, or the service's). */
export async function publish(c: TestClient, to: string | undefined, node: string, payload: Element, id: string, rule: string, options?: FormValues): Promise<string> {
  const reply = await c.iq(pubsub.publish(to, node, payload, id, options));
  requireResult(reply, rule, `publishing item '${id}' to node '${node}'${to ? ` at ${to}` : ""}`);
  return reply.getChild("pubsub", NS.pubsub)?.getChild("publish")?.getChild("item")?.attrs.id ?? id;
}

/** Deletes a node when the test ends (a node already gone is fine): the account's own PEP node, or a service node. */
export function deleteOnCleanup(t: TestContext, owner: Account, to: string | undefined, node: string): void {
  t.onCleanup(async () => {
    const c = await t.connect(owner, { label: "cleanup" });
    const reply = await c.iq(pubsub.delete(to, node));
    if (!isResult(reply) && stanzaConditionOf(reply) !== "item-not-found") throw new Error(`deleting node ${node}: ${errorText(reply)}`);
    await c.close();
  });
}

/** The node's configuration form values, or undefined when the owner cannot read it. */
export async function nodeConfiguration(owner: TestClient, to: string | undefined, node: string): Promise<Record<string, string[]> | undefined> {
  const reply = await owner.iq(pubsub.getConfiguration(to, node));
  if (!isResult(reply)) return undefined;
  const form = findForm(reply.getChild("pubsub", NS.pubsubOwner)?.getChild("configure"), NS.pubsubNodeConfig);
  return form && formValues(form);
}

export interface ServiceNode {
  service: string;
  node: string;
  /** The connection of the node's owner: the test's own account, or the service admin. */
  owner: TestClient;
  ownerAccount: Account;
}

/**
 * Creates a node on the pubsub service with `config` (pubsub# field names, without the
 * prefix), owned by `account`, or by the service admin when the service lets only admins
 * create nodes; it is deleted when the test ends. Skips the test, saying why, when no
 * one may create it or the service refuses the configuration; a configuration the
 * service ignores (read back where the owner can read it) skips it too.
 */
export async function createServiceNode(t: TestContext, account: Account, kind: string, config: Record<string, string | string[]> = {}): Promise<ServiceNode> {
  const service = serviceJid(t);
  const node = serviceNodeName(kind);
  const values: FormValues = Object.fromEntries(Object.entries(config).map(([k, v]) => [`pubsub#${k}`, v]));
  const hasConfig = Object.keys(values).length > 0;
  const what = hasConfig ? ` with ${Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(", ")}` : "";
  // With the configuration in the create request where the service advertises
  // create-and-configure (XEP-0060 §8.1.3); otherwise created, then configured (config-node,
  // §8.2), as createPepNode does: the tests are about what the node does, not how it was made.
  const features = pubsubService(t.run.capabilities)?.features ?? [];
  const oneStep = hasConfig && features.includes(feature("create-and-configure"));
  if (hasConfig && !oneStep && !features.includes(feature("config-node"))) {
    t.skip(`${service} advertises neither ${feature("create-and-configure")} nor ${feature("config-node")}: no way to make a node${what}`);
  }
  let ownerAccount = account;
  let owner = await t.connect(account, { label: `${account.username.replace(/^xc-/, "")}-owner` });
  let reply = await owner.iq(pubsub.create(service, node, oneStep ? values : undefined));
  if (!isResult(reply) && stanzaConditionOf(reply) === "forbidden") {
    const admin = t.serviceAdmin;
    if (!admin) {
      t.skip(`${service} refused to let ${owner.bareJid} create a node (${errorText(reply)}) and no service admin is given (pass --service-admin USER:PASS)`);
    }
    ownerAccount = admin;
    owner = await t.connect(admin, { label: "service-admin" });
    reply = await owner.iq(pubsub.create(service, node, oneStep ? values : undefined));
  }
  if (!isResult(reply)) t.skip(`${service} refused to create a node${oneStep ? what : ""} for ${owner.bareJid}: ${errorText(reply)}`);
  deleteOnCleanup(t, ownerAccount, service, node);
  if (hasConfig && !oneStep) {
    const configured = await owner.iq(pubsub.configure(service, node, values));
    if (!isResult(configured)) t.skip(`${service} refused to configure the new node${what} for ${owner.bareJid}: ${errorText(configured)}`);
  }
  if (config.access_model !== undefined) {
    const read = await nodeConfiguration(owner, service, node);
    const model = read?.["pubsub#access_model"]?.[0];
    if (model !== undefined && model !== config.access_model) {
      t.skip(`${service} created the node with access model '${model}' although '${String(config.access_model)}' was asked for`);
    }
  }
  return { service, node, owner, ownerAccount };
}

/**
 * Sets node options: every one of `required` (pubsub# names without the prefix), and
 * those of `optional` the service's configuration form offers. Skips the test when the
 * form lacks a required one, or when the owner cannot read the form unless
 * `formRequired` is false (then nothing is set). Returns the form's values after the change.
 */
export async function configureNode(
  t: TestContext,
  n: ServiceNode,
  required: Record<string, string>,
  rule: string,
  optional: Record<string, string> = {},
  formRequired = true,
): Promise<Record<string, string[]> | undefined> {
  const form = await nodeConfiguration(n.owner, n.service, n.node);
  if (!form && !formRequired) return undefined;
  if (!form) return t.skip(`the owner cannot read the configuration of node ${n.node} at ${n.service}`);
  const missing = Object.keys(required).filter((k) => !(`pubsub#${k}` in form));
  if (missing.length > 0) t.skip(`the node configuration form of ${n.service} has no ${missing.map((m) => `pubsub#${m}`).join(", ")}`);
  const values = { ...Object.fromEntries(Object.entries(optional).filter(([k]) => `pubsub#${k}` in form)), ...required };
  const reply = await n.owner.iq(pubsub.configure(n.service, n.node, Object.fromEntries(Object.entries(values).map(([k, v]) => [`pubsub#${k}`, v]))));
  requireResult(reply, rule, `configuring node ${n.node} with ${Object.entries(values).map(([k, v]) => `pubsub#${k}=${v}`).join(", ")}`);
  return (await nodeConfiguration(n.owner, n.service, n.node)) ?? form;
}

interface TrackedSubscription {
  account: Account;
  to: string | undefined;
  node: string;
  jid: string;
}

const tracked = new WeakMap<TestContext, TrackedSubscription[]>();

/**
 * Remembers a subscription request `account` made, so that it is withdrawn when the test
 * ends (before its nodes are deleted: cleanups run last registered first). A node
 * deleted under its subscribers can leave them in a service's index (Prosody 0.12 then
 * fails to list their subscriptions), so subscriptions are withdrawn explicitly, once per
 * account on one connection; refusals (nothing to withdraw) are fine.
 */
export function trackSubscription(t: TestContext, account: Account, to: string | undefined, node: string, jid: string): void {
  let list = tracked.get(t);
  if (!list) {
    const subscriptions: TrackedSubscription[] = (list = []);
    tracked.set(t, subscriptions);
    t.onCleanup(async () => {
      for (const account of new Set(subscriptions.map((s) => s.account))) {
        const c = await t.connect(account, { label: "cleanup" });
        for (const s of subscriptions.filter((x) => x.account === account)) await c.iq(pubsub.unsubscribe(s.to, s.node, s.jid));
        await c.close();
      }
    });
  }
  if (!list.some((s) => s.account === account && s.to === to && s.node === node && s.jid === jid)) list.push({ account, to, node, jid });
}

/** Sends a subscribe request for `jid` (c's full JID by default) and tracks it for the cleanup; returns the answer. */
export async function requestSubscription(t: TestContext, c: TestClient, to: string | undefined, node: string, jid = c.jid!): Promise<Element> {
  trackSubscription(t, c.account!, to, node, jid);
  return c.iq(pubsub.subscribe(to, node, jid));
}

/** Subscribes `c` (its full JID by default) and requires the state `subscribed`. */
export async function subscribe(t: TestContext, c: TestClient, service: string, node: string, rule: string, jid = c.jid!): Promise<Element> {
  const reply = await requestSubscription(t, c, service, node, jid);
  requireResult(reply, rule, `${jid} subscribing to node '${node}'`);
  const s = subscriptionOf(reply);
  // A result without <subscription/> is allowed by older servers only as "subscribed".
  check(s === undefined || s.attrs.subscription === "subscribed", rule, `${jid} subscribed to '${node}' (subscription='subscribed')`, reply.toString());
  return reply;
}

/**
 * For a test that deletes a node under its subscribers: when the test ends the node is
 * created again and its subscriptions the test tracked are made again, so that the
 * withdrawal that follows (see trackSubscription) clears them from a service that kept
 * them in an index past the deletion (Prosody 0.12 drops an index entry only on a
 * successful unsubscribe); then the node is deleted for good.
 */
export function recreateForCleanup(t: TestContext, n: ServiceNode): void {
  t.onCleanup(async () => {
    const owner = await t.connect(n.ownerAccount, { label: "cleanup" });
    await owner.iq(pubsub.create(n.service, n.node));
    await owner.close();
    const again = (tracked.get(t) ?? []).filter((s) => s.to === n.service && s.node === n.node);
    for (const account of new Set(again.map((s) => s.account))) {
      const c = await t.connect(account, { label: "cleanup" });
      for (const s of again.filter((x) => x.account === account)) await c.iq(pubsub.subscribe(s.to, s.node, s.jid));
      await c.close();
    }
  });
}

// ---------------------------------------------------------------------------------------
// Entity capabilities

/** A contact's presence update as the owner sees it, e.g. to know the server has handled it. */
export function presenceFrom(jid: string, show?: string): Predicate {
  return predicate(`presence from ${jid}${show ? ` with <show>${show}</show>` : ""}`, (el) => el.name === "presence" && el.attrs.from === jid && el.attrs.type === undefined && (show === undefined || el.getChildText("show") === show));
}

/** The subscriptions of the requester's bare JID, or the error reply; no answer at all fails PS-07. */
export async function ownSubscriptions(c: TestClient, service: string, node?: string): Promise<Element> {
  return c.iq(pubsub.subscriptions(service, node), { rule: "PS-07" });
}

/** An <x xmlns='jabber:x:data'/> carried directly by a message. */
export function messageForm(message: Element, formType: string): Element | undefined {
  return findForm(message, formType);
}

/** The subscription state of `contact` in `owner`'s roster ("none" when absent). */
export async function rosterSubscription(owner: TestClient, contact: string): Promise<string> {
  const reply = await owner.iq(iq("get", {}, xml("query", { xmlns: NS.roster })), { rule: "RFC6121-roster" });
  const item = (reply.getChild("query", NS.roster)?.getChildren("item") ?? []).find((i) => i.attrs.jid?.toLowerCase() === contact.toLowerCase());
  return item?.attrs.subscription ?? "none";
}

/**
 * The test needs `contact` to have no presence subscription to `owner`; given accounts
 * left otherwise by someone else skip it, saying so (the test never changes it).
 */
export async function requireNoPresenceSubscription(t: TestContext, owner: TestClient, contact: string): Promise<void> {
  const state = await rosterSubscription(owner, contact);
  if (state === "from" || state === "both") t.skip(`precondition not met: ${contact} has a presence subscription to ${owner.bareJid} (roster subscription='${state}'), and this test needs it to have none`);
}

/**
 * A resource of `account` whose caps (`features`) the server already knows when its
 * initial presence arrives: another resource announces the same caps first and is asked
 * about them. Returns once `watcher` (a contact or another resource of the owner, who
 * gets this presence) has seen the new resource's presence, i.e. once the server has
 * handled it. Tests of what initial presence brings use it, so that a server that looks
 * caps up at presence time has nothing to wait for.
 */
export async function resourceWithKnownCaps(t: TestContext, account: Account, features: string[], watcher: TestClient): Promise<TestClient> {
  const warm = await t.connect(account, { label: `${account.username.replace(/^xc-/, "")}-caps-warmup` });
  await announceCaps(t, warm, features);
  const c = await t.connect(account);
  await c.send(capsPresence(c, features));
  await watcher.expect(presenceFrom(c.jid!), { rule: "RFC6121-presence" });
  return c;
}

/**
 * Sends initial presence with caps showing interest in the owner's PEP node `pepNode` but
 * answers the server's disco#info queries only once `owner` has seen that presence: the
 * server has then handled the presence while the caps were still unknown to it. Returns
 * false when the server had not asked by then: "by then" is marked by a ping to the domain
 * and an items request to the owner's PEP service, answered after the presence was handled
 * both by the server and by a PEP service it delegates to a component (XEP-0355), whose
 * query does not come through the server's own queue.
 */
export async function announceCapsLate(t: TestContext, c: TestClient, pepNode: string, owner: TestClient): Promise<boolean> {
  const info = harnessInfo([notifyFeature(pepNode)]);
  const node = `${CAPS_NODE}#${capsVer(info)}`;
  const answer = (q: Element) =>
    xml("iq", { type: "result", id: q.attrs.id, to: q.attrs.from }, discoInfoQuery(info, q.getChild("query", NS.discoInfo)?.attrs.node === node ? node : undefined));
  await c.send(xml("presence", {}, capsElement(CAPS_NODE, info)));
  await owner.expect(presenceFrom(c.jid!), { rule: "RFC6121-presence" });
  // Queries sent on handling the presence came before the answers to these two.
  await c.iq(ping(t.domain));
  await c.iq(pubsub.items(owner.bareJid, pepNode, { max: 1 }));
  const pending = c.unread().filter(isDiscoInfoGet);
  c.respond((el) => (isDiscoInfoGet(el) ? answer(el) : undefined));
  for (const q of pending) {
    await c.expect(predicate("a disco#info query already received", (el) => el === q));
    await c.send(answer(q));
  }
  c.transcript.add("event", c.label, `answered ${pending.length} caps queries after the presence was handled`);
  return pending.length > 0;
}

/**
 * The owner's auto-created PEP node has the presence access model: the default (PEP-07), or
 * else set so. A service whose default differs fails pubsub.pep.default-config for that;
 * tests about what a presence node does then still check it. Skips when it cannot be set.
 */
export async function requirePresenceModel(t: TestContext, owner: TestClient, node: string): Promise<void> {
  const model = (await nodeConfiguration(owner, undefined, node))?.["pubsub#access_model"]?.[0];
  if (model === undefined || model === "presence") return;
  const configured = await owner.iq(pubsub.configure(undefined, node, { "pubsub#access_model": "presence" }));
  if (!isResult(configured)) t.skip(`the auto-created node has access model '${model}' and the PEP service refused to set 'presence': ${errorText(configured)}`);
}

/**
 * Creates `node` on the account's own PEP service and configures it with `config` (full
 * pubsub# field names), plus those of `optional` its configuration form offers: two
 * steps, so that a service with config-node but without create-and-configure serves too.
 * Returns why it could not, or undefined; an access model read back different from the
 * one asked for counts as a refusal.
 */
export async function createPepNode(owner: TestClient, node: string, config: FormValues, optional: FormValues = {}): Promise<string | undefined> {
  const created = await owner.iq(pubsub.create(undefined, node));
  if (!isResult(created)) return `creating ${node}: ${errorText(created)}`;
  const form = (await nodeConfiguration(owner, undefined, node)) ?? {};
  const values = { ...Object.fromEntries(Object.entries(optional).filter(([k]) => k in form)), ...config };
  const configured = await owner.iq(pubsub.configure(undefined, node, values));
  const what = Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(", ");
  if (!isResult(configured)) return `configuring ${what}: ${errorText(configured)}`;
  const model = config["pubsub#access_model"];
  if (model !== undefined) {
    const read = (await nodeConfiguration(owner, undefined, node))?.["pubsub#access_model"]?.[0];
    if (read !== undefined && read !== model) return `configured ${what}, the node has access model '${read}'`;
  }
  return undefined;
}

/** Alice (a), and bob with a mutual presence subscription to her, and a presence node of hers removed at the end. */
export async function contactAndPresenceNode(t: TestContext) {
  const [alice, bob] = await t.accounts(2);
  const a = await t.connect(alice!);
  const b0 = await t.connect(bob!);
  await ensureMutualSubscription(t, a, b0);
  const node = pepNode("presence");
  deleteOnCleanup(t, alice!, undefined, node);
  return { bob: bob!, a, b0, node };
}

/**
 * `c`, with no presence subscription to `owner`, says it wants `node`'s notifications:
 * its broadcast presence reaches nobody at the owner's, so its caps go to the owner's
 * PEP service in a directed presence too; a ping round trip has them handled.
 */
export async function notifyCapsDirectedTo(t: TestContext, c: TestClient, owner: string, node: string): Promise<void> {
  await c.send(capsPresence(c, [notifyFeature(node)]));
  await c.send(capsPresence(c, [notifyFeature(node)], {}, { to: owner }));
  await c.iq(ping(t.domain));
}
