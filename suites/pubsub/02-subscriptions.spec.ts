// XEP-0207 §4, subscriptions as pubsub: subscribing to someone's presence node needs
// their presence subscription (examples 9-11 on a PEP node), and a node with the
// authorize access model asks its owner with a subscribe_authorization form whose answer
// the subscriber is told (XEP-0060 §6.1, §8.6, §13.14).
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import type { TestClient } from "../../src/harness/client.js";
import { presence } from "../../src/xmpp/builders.js";
import { xml, type Element } from "../../src/xmpp/element.js";
import { formValues } from "../../src/xmpp/forms.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import {
  SUITE, checkError, contactAndPresenceNode, createServiceNode, deleteOnCleanup, feature, itemEvent, itemId, messageForm, messagePayload, needsPep, onAccount, onService,
  ownSubscriptions, pepNode, presencePayload, publish, recreateForCleanup, requestSubscription, requireNoPresenceSubscription, requirePresenceModel, requireResult,
  serviceJid, subscribe, subscriptionEvent, subscriptionOf, type ServiceNode,
} from "./pubsub-helpers.js";
import { restsOn } from "../common/addendum.js";

const needsService = [onService("create-nodes"), onService("subscribe")];

/** A subscribe_authorization form for `node` in a message to the owner. */
function authorizationRequest(node: string, subscriber: string) {
  return predicate(`a message with a ${NS.pubsubSubscribeAuthorization} form whose pubsub#node is '${node}' (subscriber ${subscriber})`, (el) => {
    if (el.name !== "message") return false;
    const form = messageForm(el, NS.pubsubSubscribeAuthorization);
    if (!form) return false;
    // Several tests may share an owner (the service admin): the form must name its node.
    return formValues(form)["pubsub#node"]?.[0] === node;
  });
}

/**
 * An authorize node with `subscriber` asking to join: the answer must be pending (a
 * service that lets it in at once skips the tests that need a request to answer) and the
 * owner gets the request form.
 */
async function pendingRequest(t: TestContext): Promise<{ n: ServiceNode; sub: TestClient; request: Element; reply: Element }> {
  const [alice, bob] = await t.accounts(2);
  const n = await createServiceNode(t, alice!, "authorize", { access_model: "authorize" });
  // The request goes to the owner's bare JID: the owner must be available.
  await n.owner.send(presence());
  await n.owner.drainUntilBarrier();
  const sub = await t.connect(bob!);
  await sub.send(presence());
  const reply = await requestSubscription(t, sub, n.service, n.node, sub.bareJid!);
  requireResult(reply, "PS-02", `${sub.bareJid} subscribing to the authorize node ${n.node}`);
  const state = subscriptionOf(reply)?.attrs.subscription;
  check(state === "pending", "PS-02", "subscription='pending' on a node whose access model is authorize (XEP-0060 §6.1.4)", reply.toString());
  const request = await n.owner.expect(authorizationRequest(n.node, sub.bareJid!), { rule: "PS-02" });
  return { n, sub, request, reply };
}

/** As pendingRequest, but a service that did not make the request pending skips (pubsub.subscriptions.authorize-pending fails for it). */
async function requireRequest(t: TestContext) {
  try {
    return await pendingRequest(t);
  } catch (err) {
    if ((err as { rule?: string }).rule === "PS-02") {
      t.skip(`no pending subscription request to answer: ${(err as Error).message.split("\n")[0]} (pubsub.subscriptions.authorize-pending checks this)`);
    }
    throw err;
  }
}

/** The owner's answer to a request form: every field sent back as it came, pubsub#allow set, the message id echoed. */
function answer(request: Element, service: string, allow: boolean | "cancel"): Element {
  const form = messageForm(request, NS.pubsubSubscribeAuthorization)!;
  if (allow === "cancel") {
    return xml("message", { to: service, id: request.attrs.id }, xml("x", { xmlns: NS.dataForms, type: "cancel" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.pubsubSubscribeAuthorization))));
  }
  const values = formValues(form);
  values["pubsub#allow"] = [allow ? "true" : "false"];
  return xml(
    "message",
    { to: service, id: request.attrs.id },
    xml("x", { xmlns: NS.dataForms, type: "submit" }, ...Object.entries(values).map(([name, vs]) => xml("field", { var: name }, ...vs.map((v) => xml("value", {}, v))))),
  );
}

describe(SUITE, () => {
  conformance({ id: "pubsub.subscriptions.presence-required", rules: ["PS-03", "PEP-03"], title: "subscribing to a presence-model PEP node without a presence subscription: not-authorized + presence-subscription-required (XEP-0207 example 9)", needs: [needsPep, onAccount("publish"), onAccount("subscribe")] }, async (t) => {
    const [alice, carol] = await t.accounts(2);
    const a = await t.connect(alice!);
    const c = await t.connect(carol!);
    await requireNoPresenceSubscription(t, a, c.bareJid!);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PS-03");
    await requirePresenceModel(t, a, node);
    const reply = await requestSubscription(t, c, a.bareJid, node, c.bareJid!);
    checkError(reply, "PS-03", { condition: "not-authorized", pubsub: "presence-subscription-required" }, `${c.bareJid}, without a presence subscription, subscribing to ${a.bareJid}'s node ${node} (access model presence)`);
  });

  conformance({ id: "pubsub.subscriptions.presence-granted", rules: ["PS-02", "PEP-03"], title: "a contact with a presence subscription may subscribe to the owner's presence-model PEP node", needs: [needsPep, onAccount("publish"), onAccount("subscribe")] }, async (t) => {
    const { a, b0: b, node } = await contactAndPresenceNode(t);
    await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PS-02");
    await requirePresenceModel(t, a, node);
    const reply = await requestSubscription(t, b, a.bareJid, node, b.bareJid!);
    requireResult(reply, "PS-02", `${b.bareJid}, with a presence subscription, subscribing to ${a.bareJid}'s node ${node}`);
    const s = subscriptionOf(reply);
    check(s === undefined || s.attrs.subscription === "subscribed", "PS-02", "subscription='subscribed'", reply.toString());
  });

  conformance({ id: "pubsub.subscriptions.authorize-pending", rules: ["PS-02", "PS-10"], title: "on an authorize node a subscribe is pending and the owner gets a subscribe_authorization form with pubsub#allow (XEP-0207 examples 9 and 10)", needs: needsService }, async (t) => {
    const { request, sub } = await pendingRequest(t);
    const form = messageForm(request, NS.pubsubSubscribeAuthorization)!;
    const values = formValues(form);
    const allow = form.getChildren("field").find((f) => f.attrs.var === "pubsub#allow");
    check(allow !== undefined, "PS-02", "a pubsub#allow field in the authorization form", request.toString());
    check(allow.attrs.type === undefined || allow.attrs.type === "boolean", "PS-02", "pubsub#allow of type boolean", request.toString());
    const subscriberJid = values["pubsub#subscriber_jid"]?.[0];
    check(subscriberJid === undefined || subscriberJid.toLowerCase() === sub.bareJid!.toLowerCase(), "PS-02", `pubsub#subscriber_jid naming ${sub.bareJid}`, request.toString());
    check(request.attrs.id !== undefined, "PS-10", `an id on the request message (XEP-0060 §7.1.2: every message a pubsub service generates should have one; §8.6: the owner's answer echoes it) ${restsOn("The authorization request's id")}`, request.toString());
  });

  conformance({ id: "pubsub.subscriptions.authorize-approve", rules: ["PS-02", "PS-08", "PS-10"], title: "the owner approves: the subscriber is told it is subscribed, then gets the node's items (XEP-0207 example 11)", needs: [...needsService, onService("publish"), onService("subscription-notifications")] }, async (t) => {
    const { n, sub, request } = await requireRequest(t);
    await n.owner.send(answer(request, n.service, true));
    await sub.expect(subscriptionEvent(n.node, sub.bareJid!, "subscribed"), { rule: "PS-08" });
    const id = await publish(n.owner, n.service, n.node, messagePayload("welcome"), itemId(), "PS-10");
    await sub.expect(itemEvent(n.node, id), { rule: "PS-02" });
  });

  conformance({ id: "pubsub.subscriptions.authorize-deny", rules: ["PS-08"], title: "the owner denies: the subscriber is told its subscription is none", needs: [...needsService, onService("subscription-notifications")] }, async (t) => {
    const { n, sub, request } = await requireRequest(t);
    await n.owner.send(answer(request, n.service, false));
    await sub.expect(subscriptionEvent(n.node, sub.bareJid!, "none"), { rule: "PS-08" });
  });

  conformance({ id: "pubsub.subscriptions.authorize-cancel", rules: ["PS-02", "PS-07"], title: "the owner cancels the form: the request stays pending", needs: [...needsService, onService("retrieve-subscriptions")] }, async (t) => {
    const { n, sub, request } = await requireRequest(t);
    await n.owner.send(answer(request, n.service, "cancel"));
    // The owner's stream has delivered the cancel once a barrier on it is answered.
    await n.owner.drainUntilBarrier();
    const list = await ownSubscriptions(sub, n.service, n.node);
    requireResult(list, "PS-07", `${sub.bareJid} listing its subscriptions to ${n.node}`);
    const mine = list.getChild("pubsub", NS.pubsub)?.getChild("subscriptions")?.getChildren("subscription").find((s) => s.attrs.node === undefined || s.attrs.node === n.node);
    check(mine?.attrs.subscription === "pending", "PS-02", "the subscription still pending after the owner cancelled the form (XEP-0060 §8.6)", list.toString());
  });

  conformance({ id: "pubsub.subscriptions.pending-twice", rules: ["PS-03"], title: "subscribing again while the request is pending: not-authorized + pending-subscription", needs: needsService }, async (t) => {
    const { n, sub } = await requireRequest(t);
    const again = await requestSubscription(t, sub, n.service, n.node, sub.bareJid!);
    checkError(again, "PS-03", { condition: "not-authorized", pubsub: "pending-subscription" }, `${sub.bareJid} subscribing again to ${n.node} while its request is pending`);
  });

  conformance({ id: "pubsub.subscriptions.idempotent", rules: ["PS-04"], title: "subscribing twice with the same JID is no error and returns the current state; a publish then notifies once", needs: [...needsService, onService("publish")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n = await createServiceNode(t, alice!, "twice");
    const b = await t.connect(bob!);
    const multi = t.run.capabilities.services.find((s) => s.jid === n.service)?.features.includes(feature("multi-subscribe"));
    const first = await subscribe(t, b, n.service, n.node, "PS-04");
    const second = await requestSubscription(t, b, n.service, n.node, b.jid!);
    requireResult(second, "PS-04", `${b.jid} subscribing a second time to ${n.node}`);
    const s1 = subscriptionOf(first);
    const s2 = subscriptionOf(second);
    if (multi) {
      check(s1?.attrs.subid && s2?.attrs.subid && s1.attrs.subid !== s2.attrs.subid, "PS-04", "two subscriptions with distinct SubIDs (the service advertises multi-subscribe)", `${first.toString()} ${second.toString()}`);
      return;
    }
    check(s2 === undefined || s2.attrs.subscription === "subscribed", "PS-04", "the current state subscription='subscribed'", second.toString());
    const id = await publish(n.owner, n.service, n.node, messagePayload("once"), itemId(), "PS-04");
    await b.expect(itemEvent(n.node, id), { rule: "PS-04" });
    await b.expectNothing(itemEvent(n.node, id), "PS-04");
  });

  conformance({ id: "pubsub.subscriptions.list", rules: ["PS-07"], title: "<subscriptions/> lists the subscriptions of the requester, for the service and for one node", needs: [...needsService, onService("retrieve-subscriptions")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n1 = await createServiceNode(t, alice!, "list");
    const n2 = await createServiceNode(t, alice!, "list");
    const b = await t.connect(bob!);
    await subscribe(t, b, n1.service, n1.node, "PS-07");
    await subscribe(t, b, n2.service, n2.node, "PS-07");
    const all = await ownSubscriptions(b, n1.service);
    requireResult(all, "PS-07", `${b.jid} listing its subscriptions at ${n1.service}`);
    const listed = all.getChild("pubsub", NS.pubsub)?.getChild("subscriptions")?.getChildren("subscription") ?? [];
    for (const node of [n1.node, n2.node]) {
      const entry = listed.find((s) => s.attrs.node === node);
      check(entry?.attrs.subscription === "subscribed" && entry.attrs.jid === b.jid, "PS-07", `<subscription node='${node}' jid='${b.jid}' subscription='subscribed'/>`, all.toString());
    }
    const one = await ownSubscriptions(b, n1.service, n1.node);
    requireResult(one, "PS-07", `${b.jid} listing its subscriptions to ${n1.node}`);
    const filtered = one.getChild("pubsub", NS.pubsub)?.getChild("subscriptions");
    const entries = filtered?.getChildren("subscription") ?? [];
    check(entries.length === 1 && entries[0]!.attrs.jid === b.jid && entries[0]!.attrs.node !== n2.node, "PS-07", `one subscription, of ${b.jid}, for <subscriptions node='${n1.node}'/>`, one.toString());
    // XEP-0060 §5.6: each <subscription/> specifies the NodeID, also in the filtered list of its example.
    check((entries[0]!.attrs.node ?? filtered?.attrs.node) === n1.node, "PS-07", `the subscription naming its node '${n1.node}' (on <subscription/> or <subscriptions/>) ${restsOn("Filtered subscription lists")}`, one.toString());
  });

  conformance({ id: "pubsub.subscriptions.list-empty", rules: ["PS-07"], title: "an entity without subscriptions at the service gets an empty <subscriptions/>", needs: [onService("retrieve-subscriptions")] }, async (t) => {
    const [bob] = await t.accounts(1);
    const b = await t.connect(bob!);
    const service = serviceJid(t);
    const reply = await b.iq(pubsub.subscriptions(service), { rule: "PS-07" });
    requireResult(reply, "PS-07", `${b.bareJid} listing its subscriptions at ${service}`);
    const listed = reply.getChild("pubsub", NS.pubsub)?.getChild("subscriptions");
    check(listed !== undefined, "PS-07", "<pubsub><subscriptions/></pubsub> in the result", reply.toString());
    if (listed.getChildren("subscription").length > 0) t.skip(`precondition not met: ${b.bareJid} already has subscriptions at ${service}: ${reply.toString()}`);
  });

  conformance({ id: "pubsub.subscriptions.list-after-delete", rules: ["PS-07", "PS-09"], title: "after the owner deletes a node, its subscribers still get their subscription list, without that node", needs: [...needsService, onService("delete-nodes"), onService("retrieve-subscriptions")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const gone = await createServiceNode(t, alice!, "gone");
    const kept = await createServiceNode(t, alice!, "kept");
    const b = await t.connect(bob!);
    await subscribe(t, b, gone.service, gone.node, "PS-07");
    await subscribe(t, b, kept.service, kept.node, "PS-07");
    requireResult(await gone.owner.iq(pubsub.delete(gone.service, gone.node)), "PS-09", `deleting ${gone.node}`);
    recreateForCleanup(t, gone);
    const list = await ownSubscriptions(b, gone.service);
    requireResult(list, "PS-07", `${b.jid} listing its subscriptions at ${gone.service} after ${gone.node} was deleted`);
    const nodes = (list.getChild("pubsub", NS.pubsub)?.getChild("subscriptions")?.getChildren("subscription") ?? []).map((s) => s.attrs.node);
    check(nodes.includes(kept.node) && !nodes.includes(gone.node), "PS-07", `the subscription to ${kept.node} listed, none to the deleted ${gone.node}`, list.toString());
  });

  conformance({ id: "pubsub.subscriptions.unsubscribe", rules: ["PS-06", "PS-07"], title: "unsubscribing succeeds, the subscription leaves the list and no more notifications come", needs: [...needsService, onService("publish"), onService("retrieve-subscriptions")] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const n = await createServiceNode(t, alice!, "unsub");
    const b = await t.connect(bob!);
    await subscribe(t, b, n.service, n.node, "PS-06");
    const reply = await b.iq(pubsub.unsubscribe(n.service, n.node, b.jid!));
    requireResult(reply, "PS-06", `${b.jid} unsubscribing from ${n.node}`);
    const s = subscriptionOf(reply);
    check(s === undefined || s.attrs.subscription === "none", "PS-06", "no <subscription/> in the result, or subscription='none'", reply.toString());
    const list = await ownSubscriptions(b, n.service, n.node);
    requireResult(list, "PS-07", `${b.jid} listing its subscriptions to ${n.node}`);
    const left = (list.getChild("pubsub", NS.pubsub)?.getChild("subscriptions")?.getChildren("subscription") ?? []).filter((x) => x.attrs.subscription !== "none");
    check(left.length === 0, "PS-06", `no subscription to ${n.node} left`, list.toString());
    // The control: the owner, subscribed too, gets the item; once it has, the service has sent
    // what it sends for this publish (a service run as a component may notify after answering
    // the publish, so a barrier through the server alone proves nothing).
    await n.owner.send(presence());
    await subscribe(t, n.owner, n.service, n.node, "PS-10");
    const id = await publish(n.owner, n.service, n.node, messagePayload("gone"), itemId(), "PS-06");
    await n.owner.expect(itemEvent(n.node, id), { rule: "PS-10" });
    await b.expectNothing(itemEvent(n.node, id), "PS-06");
  });
});
