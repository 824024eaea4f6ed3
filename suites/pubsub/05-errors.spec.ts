// The subscribe error table of XEP-0060 §6.1.3 row by row where the target supports the
// case (the whitelist, outcast and pending rows are in the one-to-one and subscriptions
// files), unsubscribe errors (§6.2), the items of a node in disco#items (§5.5) and the
// last published item on subscribe (§6.1.7).
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { iq } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { NS } from "../../src/xmpp/ns.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { ensureMutualSubscription } from "../common/accounts.js";
import {
  SUITE, checkError, contactAndPresenceNode, createPepNode, createServiceNode, delayOf, deleteOnCleanup, isResult, itemEvent, itemId, messagePayload, needsPep, onAccount,
  onService, pepNode, presencePayload, publish, requestSubscription, requireResult, serviceJid, serviceNodeName, subscribe,
  trackSubscription, worded,
} from "./pubsub-helpers.js";
import { restsOn } from "../common/addendum.js";

const needsNode = [onService("create-nodes"), onService("subscribe")];

/** The last item a new subscriber gets (PS-05): publish, then subscribe by full JID. */
async function lastOnSubscribe(t: TestContext) {
  const [alice, bob] = await t.accounts(2);
  const n = await createServiceNode(t, alice!, "last");
  const id = await publish(n.owner, n.service, n.node, messagePayload("the last word"), itemId(), "PS-05");
  const b = await t.connect(bob!);
  await subscribe(t, b, n.service, n.node, "PS-05");
  const got = await b.expect(worded(itemEvent(n.node, id), `sent to the new subscriber ${restsOn("pubsub#last-published")}`), { rule: "PS-05" });
  return { got };
}

describe(SUITE, () => {
  conformance({ id: "pubsub.errors.invalid-jid", rules: ["PS-01", "PS-03"], title: "subscribing someone else's JID: bad-request + invalid-jid", needs: needsNode }, async (t) => {
    const [alice, bob, carol] = await t.accounts(3);
    const n = await createServiceNode(t, alice!, "open");
    const b = await t.connect(bob!);
    const other = `${carol!.username}@${t.domain}`;
    // Should the service subscribe carol anyway, her account withdraws it at the end.
    trackSubscription(t, carol!, n.service, n.node, other);
    const reply = await b.iq(pubsub.subscribe(n.service, n.node, other));
    checkError(reply, "PS-03", { condition: "bad-request", pubsub: "invalid-jid" }, `${b.jid} subscribing ${other} to ${n.node}`);
  });

  conformance({ id: "pubsub.errors.no-such-node", rules: ["PS-03"], title: "subscribing to a node that does not exist: item-not-found", needs: [onService("subscribe")] }, async (t) => {
    const [bob] = await t.accounts(1);
    const b = await t.connect(bob!);
    const service = serviceJid(t);
    const node = serviceNodeName("missing");
    const reply = await requestSubscription(t, b, service, node, b.bareJid!);
    if (isResult(reply)) deleteOnCleanup(t, bob!, service, node); // a service that auto-creates on subscribe made one
    checkError(reply, "PS-03", { condition: "item-not-found" }, `${b.bareJid} subscribing to ${node}, which does not exist at ${service}`);
  });

  conformance({ id: "pubsub.errors.not-in-roster-group", rules: ["PS-03"], title: "a contact outside the allowed roster groups subscribing to a roster-model PEP node: not-authorized + not-in-roster-group", needs: [needsPep, onAccount("create-nodes"), onAccount("config-node"), onAccount("subscribe")] }, async (t) => {
    const [alice, carol] = await t.accounts(2);
    const a = await t.connect(alice!);
    const c = await t.connect(carol!);
    await ensureMutualSubscription(t, a, c);
    const node = pepNode("roster");
    // A group made up for this test: carol is in no such group of alice's roster.
    const group = `xc-friends-${itemId("g")}`;
    deleteOnCleanup(t, alice!, undefined, node);
    const refused = await createPepNode(a, node, { "pubsub#access_model": "roster", "pubsub#roster_groups_allowed": [group] });
    if (refused) return t.skip(`the PEP service refused a roster node: ${refused} (PEP-07 is checked by pubsub.pep.access-models)`);
    const reply = await requestSubscription(t, c, a.bareJid, node, c.bareJid!);
    checkError(reply, "PS-03", { condition: "not-authorized", pubsub: "not-in-roster-group" }, `${c.bareJid}, a contact in none of the groups [${group}], subscribing to ${a.bareJid}'s node ${node}`);
  });

  conformance({ id: "pubsub.errors.unsubscribe-not-subscribed", rules: ["PS-06"], title: "unsubscribing a JID that is not subscribed: an error, unexpected-request + not-subscribed", needs: needsNode }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n = await createServiceNode(t, alice!, "open");
    const b = await t.connect(bob!);
    const reply = await b.iq(pubsub.unsubscribe(n.service, n.node, b.bareJid!));
    checkError(reply, "PS-06", { condition: "unexpected-request", pubsub: "not-subscribed" }, `${b.bareJid}, not subscribed, unsubscribing from ${n.node}`);
  });

  conformance({ id: "pubsub.errors.unsubscribe-no-node", rules: ["PS-06"], title: "unsubscribing from a node that does not exist: item-not-found", needs: [onService("subscribe")] }, async (t) => {
    const [bob] = await t.accounts(1);
    const b = await t.connect(bob!);
    const service = serviceJid(t);
    const node = serviceNodeName("missing");
    const reply = await b.iq(pubsub.unsubscribe(service, node, b.bareJid!));
    checkError(reply, "PS-06", { condition: "item-not-found" }, `${b.bareJid} unsubscribing from ${node}, which does not exist at ${service}`);
  });

  conformance({ id: "pubsub.items.disco-items", rules: ["PS-11"], title: "disco#items on a node lists its items by ItemID in name, without a node attribute", needs: [...needsNode, onService("publish"), { discoFeature: NS.discoItems, on: "pubsub" }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const n = await createServiceNode(t, alice!, "items");
    const ids = [await publish(n.owner, n.service, n.node, messagePayload("one"), itemId(), "PS-11"), await publish(n.owner, n.service, n.node, messagePayload("two"), itemId(), "PS-11")];
    const reply = await n.owner.iq(iq("get", { to: n.service }, xml("query", { xmlns: NS.discoItems, node: n.node })));
    requireResult(reply, "PS-11", `disco#items on node ${n.node}`);
    const items = reply.getChild("query", NS.discoItems)?.getChildren("item") ?? [];
    if (items.length === 0) return t.skip(`${n.service} lists no items of a node in disco#items (XEP-0060 §5.5: MAY)`);
    const withNode = items.filter((i) => i.attrs.node !== undefined);
    if (withNode.length > 0) throw new Violation("PS-11", "no node attribute on the items of a node", withNode.map(String).join(" "));
    const names = items.map((i) => i.attrs.name);
    check(ids.every((id) => names.includes(id)) && names.every((name) => name !== undefined && ids.includes(name)), "PS-11", `items named ${ids.join(", ")} (their ItemIDs)`, reply.toString());
  });

  conformance({ id: "pubsub.items.last-published-on-subscribe", rules: ["PS-05"], title: "where pubsub#last-published is advertised, a new subscriber gets the last published item", needs: [...needsNode, onService("publish"), onService("last-published")] }, async (t) => {
    await lastOnSubscribe(t);
  });

  conformance({ id: "pubsub.items.last-published-delay", rules: ["PS-05"], title: "the last published item sent on subscribe carries a urn:xmpp:delay stamp", needs: [...needsNode, onService("publish"), onService("last-published")] }, async (t) => {
    const { got } = await lastOnSubscribe(t);
    const delay = delayOf(got);
    check(delay !== undefined && !!delay.attrs.stamp, "PS-05", `<delay xmlns='urn:xmpp:delay' stamp='…'/> on the last published item (XEP-0060 §6.1.7 SHOULD) ${restsOn("Delay stamps on last items")}`, got.toString());
  });

  conformance({ id: "pubsub.pep.last-item-on-subscribe", rules: ["PS-05", "PEP-06"], title: "a contact subscribing explicitly to a PEP node advertising pubsub#last-published gets its last item", needs: [needsPep, onAccount("publish"), onAccount("subscribe"), onAccount("last-published")] }, async (t) => {
    const { a, b0: b, node } = await contactAndPresenceNode(t);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PS-05");
    requireResult(await requestSubscription(t, b, a.bareJid, node, b.jid!), "PS-05", `${b.jid} subscribing to ${a.bareJid}'s node ${node}`);
    await b.expect(worded(itemEvent(node, id), `sent to the new subscriber ${restsOn("pubsub#last-published")}`), { rule: "PS-05" });
  });
});
