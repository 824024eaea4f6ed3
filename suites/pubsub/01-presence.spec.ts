// XEP-0207 §3, presence as pubsub: the owner publishes to a PEP node on her own account
// and her contacts get it according to their presence subscription and the +notify
// features of their entity capabilities (XEP-0163, XEP-0060 §9, XEP-0115).
import { notifyFeature, pubsub } from "../../src/xmpp/pubsub.js";
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { capsPresence } from "../../src/harness/caps.js";
import { discoInfo, iq } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { formBoolean } from "../../src/xmpp/forms.js";
import { CAPS_NS, capsVer, isKnownCapsHash, readDiscoInfo } from "../../src/xmpp/caps.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { ensureMutualSubscription } from "../common/accounts.js";
import {
  SUITE, contactAndPresenceNode, notifyCapsDirectedTo, announceCapsLate, anyItemEvent, createPepNode, delayOf, deleteOnCleanup, feature, isResult, itemEvent, itemId, needsPep,
  nodeConfiguration, notifiedItem, onAccount, pepNode, presenceFrom, presencePayload, publish, requestSubscription, requireNoPresenceSubscription,
  requirePresenceModel, requireResult, resourceWithKnownCaps, rosterSubscription, subscribe, worded,
} from "./pubsub-helpers.js";
import { announceCaps } from "../common/caps.js";
import { restsOn } from "../common/addendum.js";

const rosterGet = () => iq("get", {}, xml("query", { xmlns: NS.roster }));
const rosterSet = (jid: string, subscription?: "remove") => iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid, subscription })));

/** What XEP-0163 §6.1 and §5 require a PEP service to support, hence to advertise (XEP-0060 §11 names). */
const PEP_FEATURES = ["auto-create", "auto-subscribe", "filtered-notifications", "publish", "subscribe", "retrieve-items", "access-presence"];

/**
 * Notification tests need PEP and publishing, not the filtered-notifications feature var:
 * XEP-0163 §4.2 makes filtered notifications a MUST of every PEP service, so the pubsub/pep
 * identity already promises them, and whether the var is advertised is PEP-01's question
 * (pubsub.pep.disco-identity), not a reason to leave the behaviour untested.
 */
const needsNotify = [needsPep, onAccount("publish")];

describe(SUITE, () => {
  // Not gated on needsPep: a server whose account speaks pubsub but lacks the identity is what this test is for.
  conformance({ id: "pubsub.pep.disco-identity", rules: ["PEP-01"], title: "the account's disco#info has the pubsub/pep identity and the PEP features", needs: [] }, async (t) => {
    const [alice] = await t.accounts(1);
    const a = await t.connect(alice!);
    const reply = await a.iq(discoInfo(a.bareJid));
    requireResult(reply, "PEP-01", `disco#info on ${a.bareJid}`);
    const query = reply.getChild("query", NS.discoInfo)!;
    const identities = query.getChildren("identity").map((i) => `${i.attrs.category}/${i.attrs.type}`);
    const features = query.getChildren("feature").map((f) => f.attrs.var);
    if (!identities.includes("pubsub/pep") && !features.some((f) => f === NS.pubsub || f?.startsWith(`${NS.pubsub}#`))) {
      t.skip(`${a.bareJid} shows no sign of PEP: neither the pubsub/pep identity nor any pubsub feature`);
    }
    check(identities.includes("pubsub/pep"), "PEP-01", "the identity pubsub/pep", `identities: ${identities.join(", ") || "none"}`);
    const missing = PEP_FEATURES.filter((f) => !features.includes(feature(f)));
    check(missing.length === 0, "PEP-01", `the features ${PEP_FEATURES.map(feature).join(", ")}`, `missing: ${missing.map(feature).join(", ")}`);
  });

  conformance({ id: "pubsub.pep.auto-create", rules: ["PEP-02"], title: "publishing to a node that does not exist creates it, with the item", needs: [needsPep, onAccount("publish"), onAccount("auto-create")] }, async (t) => {
    const [alice] = await t.accounts(1);
    const a = await t.connect(alice!);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-02");
    const items = await a.iq(pubsub.items(undefined, node));
    requireResult(items, "PEP-02", `retrieving the items of the auto-created node ${node}`);
    const got = items.getChild("pubsub", NS.pubsub)?.getChild("items")?.getChildren("item").map((i) => i.attrs.id) ?? [];
    check(got.includes(id), "PEP-02", `node ${node} created, holding item '${id}'`, items.toString());
  });

  conformance({ id: "pubsub.pep.notify-contact", rules: ["PEP-03", "PEP-04", "PEP-05"], title: "a contact with a presence subscription and +notify caps gets the published item from the owner's bare JID (XEP-0207 examples 3 and 4)", needs: needsNotify }, async (t) => {
    const { bob, a, node } = await contactAndPresenceNode(t);
    const b = await t.connect(bob!);
    await announceCaps(t, b, [notifyFeature(node)]);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-03");
    const n = await b.expect(itemEvent(node, id), { rule: "PEP-03" });
    check(n.attrs.from === a.bareJid, "PEP-05", `the notification from the owner's bare JID ${a.bareJid}`, n.toString());
    const item = notifiedItem(n, id)!;
    check(item.getChild("presence", NS.client)?.getChildText("status") === "Moping", "PEP-03", "the item with its payload <presence><status>Moping</status></presence>", n.toString());
  });

  conformance({ id: "pubsub.pep.notify-full-jid", rules: ["PEP-05", "PEP-04"], title: "the interested resource gets exactly one notification, at its full JID; the contact's resource without caps gets none", needs: needsNotify }, async (t) => {
    const { bob, a, b0, node } = await contactAndPresenceNode(t);
    const b = await t.connect(bob!);
    await announceCaps(t, b, [notifyFeature(node)]);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-05");
    const n = await b.expect(itemEvent(node, id), { rule: "PEP-03" });
    const all = [n, ...(await b.drainUntilBarrier()).filter((el) => itemEvent(node, id)(el))];
    check(all.length === 1 && n.attrs.to === b.jid, "PEP-05", `one notification, addressed to the interested resource's full JID ${b.jid} (XEP-0163 §4.3.2) ${restsOn("One notification per resource")}`, all.map(String).join(" "));
    // b0's presence had no caps: it asked for nothing, also not through a copy to the bare JID.
    await b0.expectNothing(worded(anyItemEvent(node), restsOn("One notification per resource")), "PEP-04");
  });

  conformance({ id: "pubsub.pep.no-notify-feature", rules: ["PEP-04"], title: "a contact resource whose caps lack NodeID+notify gets nothing, while one advertising it gets the item", needs: needsNotify }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const a = await t.connect(alice!);
    const b0 = await t.connect(bob!);
    await ensureMutualSubscription(t, a, b0);
    const node = pepNode("presence");
    const other = pepNode("other");
    deleteOnCleanup(t, alice!, undefined, node);
    const interested = await t.connect(bob!);
    const uninterested = await t.connect(bob!);
    await announceCaps(t, interested, [notifyFeature(node)]);
    // Interested in another node, and supporting the payload namespace of this one without +notify.
    await announceCaps(t, uninterested, [notifyFeature(other), node]);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-04");
    await interested.expect(itemEvent(node, id), { rule: "PEP-04" });
    await uninterested.expectNothing(anyItemEvent(node), "PEP-04");
  });

  conformance({ id: "pubsub.pep.no-presence-subscription", rules: ["PEP-03"], title: "an entity with +notify caps but no presence subscription to the owner gets nothing from a presence-model node", needs: needsNotify }, async (t) => {
    const [alice, bob, carol] = await t.accounts(3);
    const a = await t.connect(alice!);
    const b0 = await t.connect(bob!);
    await ensureMutualSubscription(t, a, b0);
    const c = await t.connect(carol!);
    await requireNoPresenceSubscription(t, a, c.bareJid!);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    const b = await t.connect(bob!);
    await announceCaps(t, b, [notifyFeature(node)]);
    await notifyCapsDirectedTo(t, c, a.bareJid!, node);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-03");
    // The control: a contact with a subscription gets it, so the publish did notify.
    await b.expect(itemEvent(node, id), { rule: "PEP-03" });
    await c.expectNothing(anyItemEvent(node), "PEP-03");
  });

  conformance({ id: "pubsub.pep.owner-resources", rules: ["PEP-06", "PEP-04"], title: "the owner's own resource advertising +notify gets her item; her resource without caps does not", needs: needsNotify }, async (t) => {
    const [alice] = await t.accounts(1);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    const listening = await t.connect(alice!);
    const publishing = await t.connect(alice!);
    await announceCaps(t, listening, [notifyFeature(node)]);
    await publishing.send(xml("presence", {}));
    const id = await publish(publishing, undefined, node, presencePayload("Moping"), itemId(), "PEP-06");
    await listening.expect(itemEvent(node, id), { rule: "PEP-06" });
    await publishing.expectNothing(anyItemEvent(node), "PEP-04");
  });

  /**
   * The owner published before the contact's resource came online: its initial presence,
   * with caps the server already knows, is answered with the last item.
   */
  async function lastItemOnPresence(t: TestContext) {
    const { bob, a, node } = await contactAndPresenceNode(t);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-06");
    const b = await resourceWithKnownCaps(t, bob!, [notifyFeature(node)], a);
    const n = await b.expect(itemEvent(node, id), { rule: "PEP-06" });
    return { a, b, node, id, n };
  }

  conformance({ id: "pubsub.pep.last-item-on-presence", rules: ["PEP-06"], title: "a contact resource's initial presence with +notify caps brings the node's last item", needs: needsNotify }, async (t) => {
    const { a, n } = await lastItemOnPresence(t);
    check(n.attrs.from === a.bareJid, "PEP-05", `the last item from the owner's bare JID ${a.bareJid}`, n.toString());
  });

  conformance({ id: "pubsub.pep.last-item-after-caps-lookup", rules: ["PEP-06"], title: "initial presence with caps the server must first look up still brings the last item, once the caps are known", needs: needsNotify }, async (t) => {
    const { bob, a, node } = await contactAndPresenceNode(t);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-06");
    const b = await t.connect(bob!);
    // The owner's server has handled the presence before the caps are answered: only the answer can show the interest.
    if (!(await announceCapsLate(t, b, node, a))) return t.skip("the server did not ask for the caps of the contact's initial presence");
    await b.expect(worded(itemEvent(node, id), `once the caps are answered ${restsOn("When caps count as known")}`), { rule: "PEP-06" });
  });

  conformance({ id: "pubsub.pep.last-item-delay", rules: ["PEP-06"], title: "the last item sent on initial presence carries a urn:xmpp:delay stamp", needs: needsNotify }, async (t) => {
    const { n } = await lastItemOnPresence(t);
    const delay = delayOf(n);
    check(delay !== undefined && !!delay.attrs.stamp, "PEP-06", `<delay xmlns='urn:xmpp:delay' stamp='…'/> on the last item sent on presence (XEP-0163 §4.3.4 example; XEP-0060 §6.1.7 SHOULD) ${restsOn("Delay stamps on last items")}`, n.toString());
  });

  conformance({ id: "pubsub.pep.no-resend-on-update", rules: ["PEP-06"], title: "a later presence update of the same resource does not bring the last item again", needs: needsNotify }, async (t) => {
    const { a, b, node } = await lastItemOnPresence(t);
    // Whatever else the initial presence brought is not this test's business.
    await b.drainUntilBarrier();
    // The same caps with <show/>: an update, not initial presence.
    await b.send(capsPresence(b, [notifyFeature(node)], {}, {}, xml("show", {}, "away")));
    // The owner sees the update once the server has handled it, which is when a resend would have been sent.
    await a.expect(presenceFrom(b.jid!, "away"), { rule: "RFC6121-presence" });
    await b.expectNothing(anyItemEvent(node), "PEP-06");
  });

  conformance({ id: "pubsub.pep.replyto", rules: ["PEP-05"], title: "a notification to a contact with a presence subscription names the publishing resource in an XEP-0033 replyto", needs: needsNotify }, async (t) => {
    const { bob, a, node } = await contactAndPresenceNode(t);
    const b = await t.connect(bob!);
    await announceCaps(t, b, [notifyFeature(node)]);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-05");
    const n = await b.expect(itemEvent(node, id), { rule: "PEP-03" });
    const replyto = n.getChild("addresses", NS.addresses)?.getChildren("address").find((x) => x.attrs.type === "replyto");
    check(replyto?.attrs.jid === a.jid, "PEP-05", `<addresses xmlns='${NS.addresses}'><address type='replyto' jid='${a.jid}'/></addresses>`, n.toString());
  });

  conformance({ id: "pubsub.pep.no-replyto-stranger", rules: ["PEP-05"], title: "an explicit subscriber without a presence subscription gets one notification at its full JID, without replyto", needs: [needsPep, onAccount("publish"), onAccount("subscribe"), onAccount("create-nodes"), onAccount("config-node")] }, async (t) => {
    const [alice, carol] = await t.accounts(2);
    const a = await t.connect(alice!);
    const c = await t.connect(carol!);
    await requireNoPresenceSubscription(t, a, c.bareJid!);
    const node = pepNode("open");
    deleteOnCleanup(t, alice!, undefined, node);
    // Where the node has presence-based delivery, it is turned off: the owner's server cannot see carol's presence.
    const refused = await createPepNode(a, node, { "pubsub#access_model": "open" }, { "pubsub#presence_based_delivery": "0" });
    if (refused) return t.skip(`the PEP service refused an open node: ${refused}`);
    const sub = await requestSubscription(t, c, a.bareJid, node, c.jid!);
    requireResult(sub, "PEP-03", `${c.jid} subscribing to the open node ${node} of ${a.bareJid}`);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-05");
    const n = await c.expect(itemEvent(node, id), { rule: "PEP-05" });
    check(n.attrs.to === c.jid, "PEP-05", `the notification to the subscribed full JID ${c.jid}`, n.toString());
    const replyto = n.getChild("addresses", NS.addresses)?.getChildren("address").find((x) => x.attrs.type === "replyto");
    check(replyto === undefined, "PEP-05", "no replyto address to an entity without a presence subscription", n.toString());
    await c.expectNothing(itemEvent(node, id), "PEP-05");
  });

  conformance({ id: "pubsub.pep.default-config", rules: ["PEP-07"], title: "an auto-created node defaults to the presence access model, payload delivery and on_sub_and_presence", needs: [needsPep, onAccount("publish"), onAccount("config-node")] }, async (t) => {
    const [alice] = await t.accounts(1);
    const a = await t.connect(alice!);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-07");
    const config = await nodeConfiguration(a, undefined, node);
    if (!config) return t.skip(`the owner cannot read the configuration of her node ${node}`);
    const value = (name: string) => config[`pubsub#${name}`]?.[0];
    if (value("access_model") === undefined) t.skip("the node configuration form has no pubsub#access_model");
    check(value("access_model") === "presence", "PEP-07", "pubsub#access_model 'presence'", `'${value("access_model")}'`);
    if (value("deliver_payloads") !== undefined) check(formBoolean(value("deliver_payloads")) === true, "PEP-07", "pubsub#deliver_payloads true", `'${value("deliver_payloads")}'`);
    if (value("send_last_published_item") !== undefined) {
      check(value("send_last_published_item") === "on_sub_and_presence", "PEP-07", "pubsub#send_last_published_item 'on_sub_and_presence'", `'${value("send_last_published_item")}'`);
    }
  });

  conformance({ id: "pubsub.pep.access-models", rules: ["PEP-07"], title: "the PEP service accepts nodes with the open, roster and whitelist access models", needs: [needsPep, onAccount("create-nodes"), onAccount("config-node")] }, async (t) => {
    const [alice] = await t.accounts(1);
    const a = await t.connect(alice!);
    const refused: string[] = [];
    for (const model of ["open", "roster", "whitelist"]) {
      const node = pepNode(model);
      deleteOnCleanup(t, alice!, undefined, node);
      const why = await createPepNode(a, node, { "pubsub#access_model": model });
      if (why) refused.push(`${model}: ${why}`);
    }
    if (refused.length > 0) throw new Violation("PEP-07", "nodes created with each of the access models open, roster and whitelist", refused.join("; "));
  });
  conformance({ id: "pubsub.caps.unverified-not-cached", rules: ["CAPS-03", "PEP-04"], title: "a disco#info answer that does not match the advertised ver is not credited to another client advertising that ver", needs: needsNotify }, async (t) => {
    const { bob, a, node } = await contactAndPresenceNode(t);
    // A ver no server can know yet: the hash of a feature made up for this test.
    const nonce = `urn:example:xmpp-conformance:nonce:${itemId("caps")}`;
    const control = await t.connect(bob!, { label: "control" });
    const liar = await t.connect(bob!, { label: "liar" });
    const honest = await t.connect(bob!, { label: "honest" });
    await announceCaps(t, control, [notifyFeature(node)]);
    // ver = hash of [nonce]; the answer adds node+notify, which that ver does not cover.
    const asked = await announceCaps(t, liar, [nonce], { answerWith: [nonce, notifyFeature(node)] });
    if (!asked) return t.skip("the server did not ask the client whose answer does not match its ver for its caps: there is no unverified answer to check");
    // The same ver, honestly: its features have no +notify.
    await announceCaps(t, honest, [nonce]);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-04");
    // The control shows that the server delivers by caps at all.
    await control.expect(itemEvent(node, id), { rule: "PEP-04" });
    // The liar's own answer may serve the liar (XEP-0060 §9.2 asks the contact itself); it must
    // not serve the ver. Only a notification to the honest client's own full JID counts: a copy
    // to the bare JID reaches every resource, and is checked by pubsub.pep.notify-full-jid.
    const toHonest = predicate(
      `a notification of item '${id}' addressed to ${honest.jid}, whose ver is the one another client answered with ${notifyFeature(node)} for ${restsOn("Unverified caps")}`,
      (el) => itemEvent(node, id)(el) && el.attrs.to === honest.jid,
    );
    await honest.expectNothing(toHonest, "CAPS-03");
  });

  conformance({ id: "pubsub.caps.stream-feature", rules: ["CAPS-01", "CAPS-02"], title: "caps the server advertises in its stream features carry hash, node and ver, and ver matches its disco#info", needs: [] }, async (t) => {
    const [alice] = await t.accounts(1);
    const a = await t.connect(alice!);
    const c = [a.featuresPostAuth, a.featuresPreAuth].map((f) => f?.getChild("c", CAPS_NS)).find((el) => el !== undefined);
    if (!c) return t.skip("the target advertises no entity capabilities in its stream features (XEP-0115 §6.3: MAY)");
    const { hash, node, ver } = c.attrs;
    check(!!hash && !!node && !!ver, "CAPS-01", "<c xmlns='http://jabber.org/protocol/caps'/> with hash, node and ver", c.toString());
    if (!isKnownCapsHash(hash!)) return t.skip(`the caps use the hash '${hash}', which this harness does not compute`);
    let reply = await a.iq(discoInfo(t.domain, `${node}#${ver}`));
    const queried = isResult(reply) ? `${node}#${ver}` : "no node";
    if (!isResult(reply)) reply = await a.iq(discoInfo(t.domain));
    requireResult(reply, "CAPS-02", `disco#info of ${t.domain}`);
    const info = readDiscoInfo(reply.getChild("query", NS.discoInfo)!);
    if ("illFormed" in info) throw new Violation("CAPS-02", "a well-formed disco#info answer", `${info.illFormed}: ${reply.toString()}`);
    const computed = capsVer(info, hash!);
    check(computed === ver, "CAPS-02", `ver '${ver}' equal to the ${hash} of the domain's disco#info (${queried})`, `computed '${computed}' from ${reply.toString()}`);
  });

  conformance({ id: "pubsub.pep.roster-contact-without-subscription", rules: ["PEP-03"], title: "on an open node, a roster contact with +notify caps but no presence subscription is not auto-subscribed: it gets nothing", needs: needsNotify }, async (t) => {
    const [alice, bob, carol] = await t.accounts(3);
    const a = await t.connect(alice!);
    const b0 = await t.connect(bob!);
    await ensureMutualSubscription(t, a, b0);
    const c = await t.connect(carol!);
    await requireNoPresenceSubscription(t, a, c.bareJid!);
    // Carol on alice's roster at subscription none (taken off again when the test added her).
    const listed = (await a.iq(rosterGet(), { rule: "RFC6121-roster" })).getChild("query", NS.roster)?.getChildren("item").some((i) => i.attrs.jid?.toLowerCase() === c.bareJid!.toLowerCase());
    if (!listed) {
      requireResult(await a.iq(rosterSet(c.bareJid!)), "RFC6121-roster", `adding ${c.bareJid} to ${a.bareJid}'s roster`);
      t.onCleanup(async () => {
        const owner = await t.connect(alice!, { label: "cleanup" });
        await owner.iq(rosterSet(c.bareJid!, "remove"));
        await owner.close();
      });
    }
    // An open node: access is no obstacle, so only auto-subscription (XEP-0163 4.1) decides.
    const node = pepNode("open");
    deleteOnCleanup(t, alice!, undefined, node);
    const refused = await createPepNode(a, node, { "pubsub#access_model": "open" });
    if (refused) t.skip(`the account's PEP service does not take an open node: ${refused}`);
    const b = await t.connect(bob!);
    await announceCaps(t, b, [notifyFeature(node)]);
    await notifyCapsDirectedTo(t, c, a.bareJid!, node);
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-03");
    await b.expect(itemEvent(node, id), { rule: "PEP-03" });
    await c.expectNothing(anyItemEvent(node), "PEP-03");
  });

  conformance({ id: "pubsub.pep.access-recalculated", rules: ["PEP-07"], title: "an explicit subscriber to a presence node whose presence subscription is cancelled loses the node: access is recalculated", needs: needsNotify }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const a = await t.connect(alice!);
    const b = await t.connect(bob!);
    // The test cancels the subscription: it may only do so to one it made itself.
    if ((await rosterSubscription(a, b.bareJid!)) !== "none") t.skip(`precondition not met: ${b.bareJid} is already in ${a.bareJid}'s roster, and this test must cancel the subscription it makes`);
    await ensureMutualSubscription(t, a, b);
    const node = pepNode("presence");
    deleteOnCleanup(t, alice!, undefined, node);
    await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-02");
    await requirePresenceModel(t, a, node);
    // The control: alice's resource advertising +notify gets every publish, and once it has
    // this one, the service has sent what it sends for it (a PEP service run as a component
    // notifies after answering the publish, so a barrier through the server alone proves nothing).
    const control = await t.connect(alice!, { label: "control" });
    await announceCaps(t, control, [notifyFeature(node)]);
    // An explicit subscription, which bob's caps (he advertises none) do not stand behind.
    await subscribe(t, b, a.bareJid!, node, "PEP-07");
    // Alice withdraws bob's subscription to her presence (RFC 6121 3.2); her roster push says it is done.
    await a.send(xml("presence", { to: b.bareJid!, type: "unsubscribed" }));
    await a.expect(predicate(`a roster push for ${b.bareJid} without 'from'`, (el) => {
      const item = el.name === "iq" && el.attrs.type === "set" ? el.getChild("query", NS.roster)?.getChild("item") : undefined;
      return item?.attrs.jid === b.bareJid && item?.attrs.subscription !== "from" && item?.attrs.subscription !== "both";
    }), { rule: "RFC6121-roster" });
    const id = await publish(a, undefined, node, presencePayload("Happy"), itemId(), "PEP-07");
    await control.expect(itemEvent(node, id), { rule: "PEP-06" });
    await b.expectNothing(itemEvent(node, id), "PEP-07");
  });

  conformance({ id: "pubsub.caps.forms-in-ver", rules: ["CAPS-02", "PEP-04"], title: "caps whose ver covers an XEP-0128 form are verified and honoured: the contact with +notify gets the item", needs: needsNotify }, async (t) => {
    const { bob, a, node } = await contactAndPresenceNode(t);
    const b = await t.connect(bob!);
    const forms = [{ formType: "urn:xmpp:dataforms:softwareinfo", fields: [{ var: "software", values: ["xmpp-conformance"] }, { var: "os", values: ["Linux"] }] }];
    await announceCaps(t, b, [notifyFeature(node)], { forms });
    const id = await publish(a, undefined, node, presencePayload("Moping"), itemId(), "PEP-04");
    await b.expect(itemEvent(node, id), { rule: "CAPS-02" });
  });
});
