// XEP-0376 §3.1 and §3.2: the account advertises PAM; a subscribe sent to one's own
// account goes on to the service as an ordinary XEP-0060 subscribe from the bare JID,
// and its outcome reaches the account's PAM-capable resources as a <notify/> before the
// requester gets an empty result. The harness component plays the remote service.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { discoInfo } from "../../src/xmpp/builders.js";
import { NS } from "../../src/xmpp/ns.js";
import { notifiedSubscription, notifyOf, pam } from "../../src/xmpp/pam.js";
import { errorText } from "../common/errors.js";
import {
  SUITE, checkUpstream, describeSubscription, needsRemote, nodeName, notifyMessage, remoteService, resource, subscribeThrough,
} from "./pam-helpers.js";
import { restsOn } from "../common/addendum.js";

describe(SUITE, () => {
  conformance({ id: "pam.account.feature", rules: ["PAM-01"], title: "an account that serves PAM advertises urn:xmpp:pam:0 in the disco#info of its bare JID", needs: [{ accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const info = await c.iq(discoInfo(c.bareJid), { rule: "PAM-01" });
    const features = info.getChild("query", NS.discoInfo)?.getChildren("feature").map((f) => f.attrs.var) ?? [];
    if (features.includes(NS.pam)) return;
    // Without the feature, only a server that answers PAM anyway breaks the rule.
    const listed = await c.iq(pam.list(), { rule: "PAM-01" });
    if (listed.attrs.type !== "result") t.skip(`${c.bareJid} does not advertise ${NS.pam} (XEP-0376) and answers a PAM listing with ${errorText(listed)}`);
    check(false, "PAM-01", `${NS.pam} among the features of ${c.bareJid}, which answers a PAM listing`, `${info.toString()}; the listing: ${listed.toString()}`);
  });

  conformance({ id: "pam.subscribe.upstream-request", rules: ["PAM-03", "PAM-06"], title: "a PAM subscribe without 'to' reaches the service as a XEP-0060 subscribe from the account's bare JID", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("upstream");
    await subscribeThrough(t, c, service.jid, node, "PAM-03");
    checkUpstream(service.requests[0], c, service.jid, "subscribe", node, "PAM-06");
  });

  conformance({ id: "pam.subscribe.to-bare-jid", rules: ["PAM-03", "PAM-06"], title: "a PAM subscribe addressed to the account's own bare JID is served like one without 'to'", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("to-bare");
    await subscribeThrough(t, c, service.jid, node, "PAM-03", { to: c.bareJid! });
    checkUpstream(service.requests[0], c, service.jid, "subscribe", node, "PAM-06");
  });

  conformance({ id: "pam.subscribe.service-attribute", rules: ["PAM-03"], title: "the service named by the prose's 'service' attribute instead of the examples' 'jid' is served too", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("service-attr");
    const reply = await c.iq(pam.subscribe(service.jid, node, c.bareJid!, { attribute: "service" }), { rule: "PAM-03" });
    check(reply.attrs.type === "result", "PAM-03", `a result to <pam service='${service.jid}'> ${restsOn("The service attribute")}`, reply.toString());
    checkUpstream(service.requests[0], c, service.jid, "subscribe", node, "PAM-06");
  });

  conformance({ id: "pam.subscribe.notify-then-empty-result", rules: ["PAM-07"], title: "the requester gets a <notify/> mirroring the service's answer, then an empty result", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "subscribed", subid: "sub-123-abc" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("notify");
    const { notify, reply } = await subscribeThrough(t, c, service.jid, node, "PAM-07");
    check(reply.getChildElements().length === 0, "PAM-07", "an empty result (the notify already told the subscription)", reply.toString());
    const n = notifyOf(notify)!;
    const got = notifiedSubscription(n);
    const want = { service: service.jid, node, jid: c.bareJid!.toLowerCase(), subscription: "subscribed", subid: "sub-123-abc" };
    check(
      got.service === want.service && got.node === want.node && got.jid?.toLowerCase() === want.jid && got.subscription === want.subscription && got.subid === want.subid,
      "PAM-07",
      `<notify service='${want.service}'><subscription xmlns='${NS.pubsub}' ${describeSubscription({ ...want, service: undefined })}/></notify>, as the service answered`,
      notify.toString(),
    );
    check(Boolean(n.attrs.ver), "PAM-07", "a non-empty ver on the <notify/>", notify.toString());
  });

  conformance({ id: "pam.subscribe.pending", rules: ["PAM-07"], title: "a subscription the service leaves pending is notified as pending", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "pending" });
    const c = await resource(t, alice!, { pam: true });
    const { notify } = await subscribeThrough(t, c, service.jid, nodeName("pending"), "PAM-07");
    check(notifiedSubscription(notifyOf(notify)!).subscription === "pending", "PAM-07", "subscription='pending' in the <notify/>, as the service answered", notify.toString());
  });

  conformance({ id: "pam.subscribe.unconfigured-subid", rules: ["PAM-07"], title: "an unconfigured subscription with a subid is notified with both", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "unconfigured", subid: "004-yyy" });
    const c = await resource(t, alice!, { pam: true });
    const { notify } = await subscribeThrough(t, c, service.jid, nodeName("unconfigured"), "PAM-07");
    const got = notifiedSubscription(notifyOf(notify)!);
    check(got.subscription === "unconfigured" && got.subid === "004-yyy", "PAM-07", "subscription='unconfigured' subid='004-yyy' in the <notify/>, as the service answered", notify.toString());
  });

  conformance({ id: "pam.notify.every-pam-resource", rules: ["PAM-07"], title: "another PAM-capable resource of the account gets the <notify/> too, before the requester's result", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const other = await resource(t, alice!, { pam: true, label: "alice-other" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("other-resource");
    await subscribeThrough(t, c, service.jid, node, "PAM-07");
    // Sent before the requester's result, so before the answer to a ping sent after it.
    const before = await other.drainUntilBarrier();
    check(before.some((el) => notifyMessage(node)(el)), "PAM-07", `a <notify/> about ${node} at ${other.jid}, sent before the requester's result`, before.map(String).join(" ") || "nothing");
  });

  conformance({ id: "pam.notify.not-without-feature", rules: ["PAM-07"], title: "a resource whose caps lack urn:xmpp:pam:0 gets no <notify/>", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const legacy = await resource(t, alice!, { pam: false, label: "alice-legacy" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("legacy-resource");
    await subscribeThrough(t, c, service.jid, node, "PAM-07");
    const before = await legacy.drainUntilBarrier();
    const offending = before.find((el) => notifyMessage(node)(el));
    check(offending === undefined, "PAM-07", `no <notify/> at ${legacy.jid}, whose caps lack ${NS.pam} ${restsOn("Which resources get <notify/>")}`, String(offending));
  });
});
