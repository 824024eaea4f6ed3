// Steps the XEP-0351 tests share. Recipient side: an account's resources whose caps ask
// for chosen event types, notifications the harness's S2S peer sends to the account's
// bare JID, and per resource what arrived before a sentinel message the peer sent after
// them to that resource's full JID (same S2S stream, same order: absence proven without
// sleeping). Sender side: a user of the peer with a presence subscription to a target
// account, set up over S2S, and the target's look at the peer's caps waited for.
import { randomBytes } from "node:crypto";
import type { TestClient } from "../../src/harness/client.js";
import type { TestPeer } from "../../src/harness/peer.js";
import type { Account } from "../../src/harness/target.js";
import type { Need } from "../../src/runner/needs.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { Violation } from "../../src/verdict/verdict.js";
import { iq, message, newId, presence } from "../../src/xmpp/builders.js";
import { xml, type Element } from "../../src/xmpp/element.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { notifyFeature } from "../../src/xmpp/pubsub.js";
import { EVENT_TOKENS, eventsFeature, isEventToken, notificationOf, type EventType } from "../../src/xmpp/rsf.js";
import { restsOn } from "../common/addendum.js";
import { announceCaps, isDiscoInfoGet } from "../common/caps.js";

export const SUITE = "rsf";

/** The target filters as a recipient: it advertises urn:xmpp:rsf:0 (without it the tests are skipped, naming it). */
export const needsRsf: Need = { discoFeature: NS.rsf, on: "domain" };
export const needsPeer: Need = { peer: true };

/** A fresh NodeID, so that runs and tests never share caps vers (a server would not ask again). */
export function rsfNode(kind: string): string {
  return `urn:example:xmpp-conformance:rsf:${kind}:${randomBytes(5).toString("hex")}`;
}

// ---------------------------------------------------------------------------------------
// Recipient side

/** What a resource's caps say about the node: NodeID+notify, and a +events- list (tokens as written, maybe unsorted or unknown). */
export interface Interest {
  notify: boolean;
  list?: string[];
}

/** The caps features of an interest in `node`. */
function interestFeatures(node: string, interest: Interest): string[] {
  return [...(interest.notify ? [notifyFeature(node)] : []), ...(interest.list ? [eventsFeature(node, interest.list)] : [])];
}

export interface Listener {
  client: TestClient;
  interest: Interest;
}

/**
 * An account and one available resource per interest, each with caps the target asked
 * about and read (XEP-0115), and the peer; the target is told nothing else about them.
 */
export async function listeners(t: TestContext, node: string, interests: Interest[]): Promise<{ peer: TestPeer; account: Account; listeners: Listener[] }> {
  const peer = await t.peer();
  const [account] = await t.accounts(1);
  const out: Listener[] = [];
  for (const [i, interest] of interests.entries()) {
    const client = await t.connect(account!, { label: `r${i + 1}` });
    // A feature of its own keeps the ver fresh, so the target asks (it would not ask about one it knows).
    const own = `urn:example:xmpp-conformance:rsf:client:${randomBytes(4).toString("hex")}`;
    if (!(await announceCaps(t, client, [...interestFeatures(node, interest), own]))) {
      t.skip(`the target did not ask ${client.jid} for its caps (XEP-0115), so it cannot know what that resource wants`);
    }
    out.push({ client, interest });
  }
  return { peer, account: account!, listeners: out };
}

/** The <event/> child of each event type, as a remote service sends it about `node`. */
function eventChild(type: Exclude<EventType, "other">, node: string, subscriber: string): Element {
  switch (type) {
    case "items":
      return xml("items", { node }, xml("item", { id: newId("item") }, xml("entry", { xmlns: "urn:example:xmpp-conformance:rsf" }, "news")));
    case "retract":
      return xml("items", { node }, xml("retract", { id: newId("item") }));
    case "purge":
      return xml("purge", { node });
    case "config":
      return xml("configuration", { node });
    case "delete":
      return xml("delete", { node });
    case "sub":
      return xml("subscription", { node, jid: subscriber, subscription: "subscribed" });
  }
}

/** Every event type that has a token, and items: what the filtering tests send. */
export const FILTERED: ReadonlyArray<Exclude<EventType, "other" | "purge">> = ["items", "retract", "config", "delete", "sub"];

/** The publisher at the peer's domain: notifications come from a user's bare JID, as PEP sends them. */
const publisher = (peer: TestPeer) => peer.jid("publisher");

/** Sends notifications of `types` about `node` to the account's bare JID, then a sentinel to each listener's full JID; returns the sentinels. */
export async function sendNotifications(peer: TestPeer, bare: string, node: string, types: ReadonlyArray<Exclude<EventType, "other">>, to: Listener[]): Promise<Map<Listener, string>> {
  for (const type of types) {
    await peer.send(xml("message", { from: publisher(peer), to: bare, type: "headline", id: newId("rsf") }, xml("event", { xmlns: NS.pubsubEvent }, eventChild(type, node, bare))));
  }
  const sentinels = new Map<Listener, string>();
  for (const l of to) {
    const body = `sentinel ${newId("s")}`;
    sentinels.set(l, body);
    await peer.send(message(l.client.jid!, body, { from: publisher(peer) }));
  }
  return sentinels;
}

/** The event types about `node` a resource got before its sentinel, in order. */
export async function receivedBefore(l: Listener, sentinel: string, node: string): Promise<EventType[]> {
  const s = await l.client.expect(
    predicate(`the peer's message '${sentinel}' to ${l.client.jid}, sent after the notifications on the same S2S stream`, (el) => el.name === "message" && el.getChildText("body") === sentinel),
    { rule: "RFC6120-routing" },
  );
  return l.client.unreadBefore(s).flatMap((el) => {
    const n = notificationOf(el);
    return n && n.node === node ? [n.type] : [];
  });
}

/** Rules a filtering verdict names: a missing notification the resource asked for (by +notify or a listed token), one it asked for by having no list, and one it did not ask for. */
export interface FilterRules {
  missing: string;
  missingUnlisted: string;
  unwanted: string;
  /** The interpretation the verdict rests on (restsOn), if any. */
  reading?: string;
}

export const FILTER_RULES: FilterRules = { missing: "RSF-05", missingUnlisted: "RSF-08", unwanted: "RSF-07" };

/** Whether a resource with this interest asked for `type` (RSF-07, RSF-08), and the rule a missing one breaks. */
function asked(interest: Interest, type: EventType, rules: FilterRules): string | undefined {
  if (type === "items") return interest.notify ? rules.missing : undefined;
  if (!interest.list) return interest.notify ? rules.missingUnlisted : undefined;
  return isEventToken(type) && interest.list.includes(type) ? rules.missing : undefined;
}

const describeInterest = (node: string, i: Interest) => interestFeatures(node, i).join(" and ") || `no feature for ${node}`;

/** Requires each listener to have got exactly the types of `sent` it asked for; items are judged first. */
export async function checkFiltering(node: string, sent: readonly EventType[], sentinels: Map<Listener, string>, rules: FilterRules = FILTER_RULES): Promise<void> {
  for (const [l, sentinel] of sentinels) {
    const got = await receivedBefore(l, sentinel, node);
    const shown = `${l.client.jid} (caps ${describeInterest(node, l.interest)}) got [${got.join(", ")}] of [${sent.join(", ")}]`;
    const reading = rules.reading ? ` ${rules.reading}` : "";
    for (const type of sent) {
      const rule = asked(l.interest, type, rules);
      // Asked for by having no list: for a resource with +notify, by this project's reading.
      const why = rule === rules.missingUnlisted && !rules.reading ? ` ${restsOn("No list")}` : reading;
      if (rule && !got.includes(type)) throw new Violation(rule, `the ${type} notification for ${l.client.jid}, whose caps ask for it${why}`, shown);
    }
    for (const type of sent) {
      if (!asked(l.interest, type, rules) && got.includes(type)) throw new Violation(rules.unwanted, `no ${type} notification for ${l.client.jid}, whose caps do not ask for it${reading}`, shown);
    }
  }
}

/** The tokens other than `token`, in ascending order. */
export const otherTokens = (token: string) => EVENT_TOKENS.filter((t) => t !== token);

// ---------------------------------------------------------------------------------------
// Sender side

/** Resolves when the target asks the peer's domain for disco#info (its caps); the peer's own answer still goes out. */
export function capsQueried(peer: TestPeer): Promise<void> {
  return new Promise((resolve) =>
    peer.respond((el) => {
      if (isDiscoInfoGet(el) && el.attrs.to === peer.domain) resolve();
      return undefined;
    }),
  );
}

/**
 * A user of the peer with a presence subscription to `a`'s account: the peer asks over
 * S2S and `a` approves, which makes the target open its stream to the peer. Waits until
 * the target has looked at the peer's caps (XEP-0115 stream feature, which XEP-0351
 * reads) and the peer's answer has been read (a barrier), so that the target knows
 * whether the peer filters before anything is published. The roster item is removed
 * when the test ends. `a` never learns any presence of the user.
 */
export async function presenceSubscriber(t: TestContext, peer: TestPeer, a: TestClient, local = `reader-${randomBytes(3).toString("hex")}`): Promise<string> {
  const user = peer.jid(local);
  const queried = capsQueried(peer);
  t.onCleanup(async () => {
    const c = await t.connect(a.account!, { label: "cleanup" });
    await c.iq(iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid: user, subscription: "remove" }))));
    await c.close();
  });
  await a.send(presence());
  await peer.send(presence({ type: "subscribe", from: user, to: a.bareJid! }));
  await a.expect({ name: "presence", attrs: { type: "subscribe", from: user } }, { rule: "RFC6121-subscribe" });
  await a.send(presence({ type: "subscribed", to: user }));
  await peer.expect(predicate(`<presence type='subscribed'/> from ${a.bareJid} to ${user}`, (el) => el.name === "presence" && el.attrs.type === "subscribed" && el.attrs.to === user), { rule: "RFC6121-subscribe" });
  await waitForCapsQuery(t, peer, queried);
  return user;
}

/** Waits (at most the run's timeout) for the target's caps query to the peer, then for a barrier; notes what happened. */
export async function waitForCapsQuery(t: TestContext, peer: TestPeer, queried: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const seen = await Promise.race([queried.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), t.options.timeoutMs)))]);
  clearTimeout(timer);
  t.note("peer", seen ? "the target asked for the peer's caps" : `the target did not ask for the peer's caps within ${t.options.timeoutMs} ms (it may know the ver already, or not look)`);
  await peer.barrier();
}
