// XEP-0207 §6, one-to-one messaging as pubsub: a node with the whitelist access model
// that only the owner and the party she affiliates may use (XEP-0060 §4.5, §8.9). A
// stranger is refused with closed-node; an outcast is refused on any node.
import { conformance } from "../../src/runner/dsl.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import {
  SUITE, checkError, createServiceNode, itemEvent, itemId, messagePayload, onService, publish, requestSubscription, requireResult, subscribe,
} from "./pubsub-helpers.js";

const needsNode = [onService("create-nodes"), onService("subscribe")];
const needsAffiliations = [...needsNode, onService("modify-affiliations")];

describe(SUITE, () => {
  conformance({ id: "pubsub.one-to-one.stranger-closed-node", rules: ["PS-03"], title: "subscribing to a whitelist node one is not on: not-allowed + closed-node (XEP-0207 example 18)", needs: needsNode }, async (t) => {
    const [alice, , carol] = await t.accounts(3);
    const n = await createServiceNode(t, alice!, "me-and-romeo", { access_model: "whitelist" });
    const c = await t.connect(carol!);
    const reply = await requestSubscription(t, c, n.service, n.node, c.bareJid!);
    checkError(reply, "PS-03", { condition: "not-allowed", pubsub: "closed-node" }, `${c.bareJid}, not on the whitelist, subscribing to ${n.node}`);
  });

  conformance({ id: "pubsub.one-to-one.whitelisted-member", rules: ["PS-02", "PS-10"], title: "once the owner makes the other party a member, it may subscribe and gets the owner's messages (XEP-0207 examples 18 to 20)", needs: [...needsAffiliations, onService("member-affiliation"), onService("publish")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n = await createServiceNode(t, alice!, "me-and-romeo", { access_model: "whitelist" });
    const b = await t.connect(bob!);
    requireResult(await n.owner.iq(pubsub.setAffiliations(n.service, n.node, [{ jid: b.bareJid!, affiliation: "member" }])), "PS-02", `making ${b.bareJid} a member of ${n.node}`);
    await subscribe(t, b, n.service, n.node, "PS-02");
    const id = await publish(n.owner, n.service, n.node, messagePayload("wherefore art thou?"), itemId(), "PS-10");
    await b.expect(itemEvent(n.node, id), { rule: "PS-10" });
    await b.expectNothing(itemEvent(n.node, id), "PS-10");
  });

  conformance({ id: "pubsub.one-to-one.publisher-replies", rules: ["PS-10"], title: "the other party, made a publisher, publishes to the node and the subscribed owner gets it (XEP-0207 §6)", needs: [...needsAffiliations, onService("publisher-affiliation"), onService("publish")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n = await createServiceNode(t, alice!, "me-and-romeo", { access_model: "whitelist" });
    const b = await t.connect(bob!);
    requireResult(await n.owner.iq(pubsub.setAffiliations(n.service, n.node, [{ jid: b.bareJid!, affiliation: "publisher" }])), "PS-10", `making ${b.bareJid} a publisher of ${n.node}`);
    await subscribe(t, n.owner, n.service, n.node, "PS-10");
    const id = await publish(b, n.service, n.node, messagePayload("it is the east"), itemId(), "PS-10");
    await n.owner.expect(itemEvent(n.node, id), { rule: "PS-10" });
  });

  conformance({ id: "pubsub.one-to-one.outcast-forbidden", rules: ["PS-03"], title: "an outcast subscribing to an open node: forbidden", needs: [...needsAffiliations, onService("outcast-affiliation")] }, async (t) => {
    const [alice, , carol] = await t.accounts(3);
    const n = await createServiceNode(t, alice!, "open", { access_model: "open" });
    const c = await t.connect(carol!);
    requireResult(await n.owner.iq(pubsub.setAffiliations(n.service, n.node, [{ jid: c.bareJid!, affiliation: "outcast" }])), "PS-03", `making ${c.bareJid} an outcast of ${n.node}`);
    const reply = await requestSubscription(t, c, n.service, n.node, c.bareJid!);
    checkError(reply, "PS-03", { condition: "forbidden" }, `${c.bareJid}, an outcast, subscribing to ${n.node}`);
  });
});
