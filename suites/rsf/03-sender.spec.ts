// XEP-0351 §3.1 and §3.2 on the sender's side: the target publishes on an account's PEP
// service, and the harness's S2S peer plays the server of the account's remote
// subscribers. A peer whose caps carry urn:xmpp:rsf:0 gets every event of the node, to
// each user's bare JID, with no presence of the user ever sent; a peer without the
// feature gets XEP-0060/XEP-0163 delivery. Before anything is published the target has
// opened its stream to the peer and read the peer's caps.
import { randomBytes } from "node:crypto";
import type { TestClient } from "../../src/harness/client.js";
import type { TestPeer } from "../../src/harness/peer.js";
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { xml, type Element } from "../../src/xmpp/element.js";
import type { FormValues } from "../../src/xmpp/forms.js";
import { predicate, type Predicate } from "../../src/xmpp/match.js";
import { eventOf, pubsub } from "../../src/xmpp/pubsub.js";
import { restsOn } from "../common/addendum.js";
import { errorText } from "../common/errors.js";
import { createPepNode, deleteOnCleanup, isResult, itemId, needsPep, pepNode, publish, requireResult } from "../pubsub/pubsub-helpers.js";
import { capsQueried, needsPeer, needsRsf, presenceSubscriber, SUITE, waitForCapsQuery } from "./rsf-helpers.js";

const needs = [needsRsf, needsPep, needsPeer];
const EVERY = restsOn("Every notification");
const mood = (text: string) => xml("mood", { xmlns: "urn:example:xmpp-conformance:mood" }, text);

/** A notification about `node` to exactly `to` whose <event/> child is `kind` and passes `test`. */
function notification(to: string, node: string, kind: string, words: string, test: (child: Element) => boolean = () => true): Predicate {
  return predicate(`a <message to='${to}'> with <event><${kind} node='${node}'/></event> (${words})`, (el) => {
    const child = eventOf(el)?.getChild(kind);
    return el.attrs.to === to && child?.attrs.node === node && test(child);
  });
}

const itemTo = (to: string, node: string, id: string) => notification(to, node, "items", `item '${id}'`, (c) => c.getChildren("item").some((i) => i.attrs.id === id));
const retractTo = (to: string, node: string, id: string, words = "") =>
  notification(to, node, "items", `<retract id='${id}'/>${words ? `, ${words}` : ""}`, (c) => c.getChildren("retract").some((r) => r.attrs.id === id));
const anyRetraction = (node: string) =>
  predicate(`a retraction on node '${node}', to any JID`, (el) => {
    const items = eventOf(el)?.getChild("items");
    return items?.attrs.node === node && items.getChildren("retract").length > 0;
  });
const anyAbout = (node: string) => predicate(`any notification about node '${node}'`, (el) => eventOf(el)?.getChildElements().some((c) => c.attrs.node === node) === true);

/** The account's PEP node with `config`, deleted when the test ends; skips when the service refuses it. */
async function pepNodeWith(t: TestContext, a: TestClient, kind: string, config: FormValues): Promise<string> {
  const node = pepNode(kind);
  deleteOnCleanup(t, a.account!, undefined, node);
  const refused = await createPepNode(a, node, config);
  if (refused) t.skip(`the account's PEP service refused the node: ${refused}`);
  return node;
}

/**
 * A user of the peer subscribed explicitly, at a full JID, to `a`'s node; skips when
 * refused. `opening`: the target's answer is what opens its stream to the peer, so wait
 * for its look at the peer's caps.
 */
async function explicitSubscriber(t: TestContext, peer: TestPeer, a: TestClient, node: string, opening: boolean): Promise<string> {
  const jid = peer.jid(`sub-${randomBytes(3).toString("hex")}`, "feed");
  const queried = capsQueried(peer);
  const request = pubsub.subscribe(a.bareJid, node, jid);
  request.attrs.from = jid;
  const reply = await peer.iq(request, { rule: "RFC6120-iq" });
  if (!isResult(reply)) t.skip(`the target refused ${jid}'s subscription to ${node}: ${errorText(reply)}`);
  if (opening) await waitForCapsQuery(t, peer, queried);
  return jid;
}

describe(SUITE, () => {
  conformance(
    { id: "rsf.sender.bare-jid", rules: ["RSF-02", "RSF-04"], title: "toward a server with urn:xmpp:rsf:0, a contact that never sent presence gets the item at its bare JID, from the owner's bare JID", needs },
    async (t) => {
      const peer = await t.peer({ rsf: true });
      const [alice] = await t.accounts(1);
      const a = await t.connect(alice!);
      const node = await pepNodeWith(t, a, "rsf-bare", {});
      const user = await presenceSubscriber(t, peer, a);
      const id = await publish(a, undefined, node, mood("sunny"), itemId(), "RSF-04");
      const got = await peer.expect(itemTo(user, node, id), { rule: "RSF-04" });
      check(got.attrs.from === a.bareJid, "RSF-04", `the notification from ${a.bareJid}, the owner's bare JID`, got.toString());
    },
  );

  conformance(
    { id: "rsf.sender.every-event", rules: ["RSF-03", "RSF-04"], title: "toward a server with urn:xmpp:rsf:0, retraction, configuration and deletion events go out although the node's notify_* options are off", needs },
    async (t) => {
      const peer = await t.peer({ rsf: true });
      const [alice] = await t.accounts(1);
      const a = await t.connect(alice!);
      const node = await pepNodeWith(t, a, "rsf-every", { "pubsub#notify_retract": "0", "pubsub#notify_config": "0", "pubsub#notify_delete": "0" });
      const user = await presenceSubscriber(t, peer, a);
      const id = await publish(a, undefined, node, mood("windy"), itemId(), "RSF-04");
      await peer.expect(itemTo(user, node, id), { rule: "RSF-04" });
      requireResult(await a.iq(pubsub.retract(undefined, node, id)), "RSF-03", `retracting item '${id}'`);
      await peer.expect(retractTo(user, node, id, EVERY), { rule: "RSF-03" });
      requireResult(await a.iq(pubsub.configure(undefined, node, { "pubsub#title": "moods" })), "RSF-03", `configuring node '${node}'`);
      await peer.expect(notification(user, node, "configuration", `the new configuration, ${EVERY}`), { rule: "RSF-03" });
      requireResult(await a.iq(pubsub.delete(undefined, node)), "RSF-03", `deleting node '${node}'`);
      await peer.expect(notification(user, node, "delete", `the deletion, ${EVERY}`), { rule: "RSF-03" });
    },
  );

  conformance(
    { id: "rsf.sender.subscription-events-private", rules: ["RSF-03"], title: "toward a server with urn:xmpp:rsf:0, another user's subscribing and unsubscribing reach no contact but the subscriber", needs },
    async (t) => {
      const peer = await t.peer({ rsf: true });
      const [alice] = await t.accounts(1);
      const a = await t.connect(alice!);
      const node = await pepNodeWith(t, a, "rsf-sub", { "pubsub#access_model": "open" });
      const contact = await presenceSubscriber(t, peer, a);
      const subscriber = await explicitSubscriber(t, peer, a, node, false);
      const request = pubsub.unsubscribe(a.bareJid, node, subscriber);
      request.attrs.from = subscriber;
      requireResult(await peer.iq(request, { rule: "RFC6120-iq" }), "RSF-03", `${subscriber} unsubscribing from '${node}'`);
      await peer.expectNothing(notification(contact, node, "subscription", `about ${subscriber}, sent to a contact who is neither owner nor subscriber ${restsOn("Subscription events")}`), "RSF-03");
    },
  );

  conformance(
    { id: "rsf.sender.classic-contact", rules: ["RSF-02"], title: "toward a server without urn:xmpp:rsf:0, a contact that never sent presence gets nothing at its bare JID", needs: [needsPep, needsPeer] },
    async (t) => {
      const peer = await t.peer({ rsf: false });
      const [alice] = await t.accounts(1);
      const a = await t.connect(alice!);
      const node = await pepNodeWith(t, a, "classic-contact", {});
      await presenceSubscriber(t, peer, a);
      await publish(a, undefined, node, mood("foggy"), itemId(), "RSF-02");
      await peer.expectNothing(anyAbout(node), "RSF-02");
    },
  );

  conformance(
    { id: "rsf.sender.classic-explicit", rules: ["RSF-02"], title: "toward a server without urn:xmpp:rsf:0, an explicit subscriber gets items at its own JID and no retraction when notify_retract is off", needs: [needsPep, needsPeer] },
    async (t) => {
      const peer = await t.peer({ rsf: false });
      const [alice] = await t.accounts(1);
      const a = await t.connect(alice!);
      const node = await pepNodeWith(t, a, "classic-explicit", { "pubsub#access_model": "open", "pubsub#notify_retract": "0" });
      const subscriber = await explicitSubscriber(t, peer, a, node, true);
      const id = await publish(a, undefined, node, mood("misty"), itemId(), "RSF-02");
      await peer.expect(itemTo(subscriber, node, id), { rule: "RSF-02" });
      requireResult(await a.iq(pubsub.retract(undefined, node, id)), "RSF-02", `retracting item '${id}'`);
      await peer.expectNothing(anyRetraction(node), "RSF-02");
      const request = pubsub.unsubscribe(a.bareJid, node, subscriber);
      request.attrs.from = subscriber;
      await peer.iq(request);
    },
  );
});
