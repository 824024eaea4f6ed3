// XEP-0376 §3.3 and §3.4: unsubscribing goes the way subscribing does; the account lists
// every subscription, on the target's own pubsub service as on remote ones, under a ver
// that follows each change, and a client that sends a stale ver gets brought up to date
// (a full list, or the notifies it missed before an empty result).
import type { TestClient } from "../../src/harness/client.js";
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { listedSubscriptions, notifiedSubscription, notifyOf, pam, type PamSubscription } from "../../src/xmpp/pam.js";
import { createServiceNode, onService } from "../pubsub/pubsub-helpers.js";
import {
  SUITE, checkUpstream, describeSubscription, exchange, fullListing, listing, needsPam, needsRemote, nodeName, remoteService, resource, subscribeThrough,
} from "./pam-helpers.js";
import { restsOn } from "../common/addendum.js";

function find(entries: PamSubscription[], service: string, node: string): PamSubscription | undefined {
  return entries.find((e) => e.service === service && e.node === node);
}

function shown(entries: PamSubscription[]): string {
  return entries.length ? entries.map((e) => `<subscription ${describeSubscription(e)}/>`).join(" ") : "an empty list";
}

async function currentVer(c: TestClient): Promise<string> {
  const { ver, list } = await fullListing(c, "PAM-12");
  check(Boolean(ver), "PAM-13", "a ver on the listing, for clients to resync from", list.toString());
  return ver!;
}

describe(SUITE, () => {
  conformance({ id: "pam.unsubscribe.notify-none", rules: ["PAM-11"], title: "a PAM unsubscribe reaches the service from the bare JID, is notified as subscription 'none' before an empty result, and leaves the listing", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "subscribed", subid: "u-1" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("unsubscribe");
    await subscribeThrough(t, c, service.jid, node, "PAM-11");
    const { reply, notifies } = await exchange(c, pam.unsubscribe(service.jid, node, c.bareJid!, "u-1"), "PAM-11");
    check(reply.attrs.type === "result" && reply.getChildElements().length === 0, "PAM-11", "an empty result to the PAM unsubscribe", reply.toString());
    checkUpstream(service.requests[1], c, service.jid, "unsubscribe", node, "PAM-11");
    const none = notifies.map((n) => notifiedSubscription(notifyOf(n)!)).find((s) => s.node === node);
    check(none?.subscription === "none", "PAM-11", `a <notify/> with subscription='none' about ${node} before the result ${restsOn("Unsubscribing")}`, notifies.map(String).join(" ") || "no notify before the result");
    const { entries } = await fullListing(c, "PAM-11");
    check(!find(entries, service.jid, node), "PAM-11", `no ${node} at ${service.jid} in the listing after the unsubscribe`, shown(entries));
  });

  conformance({ id: "pam.listing.remote", rules: ["PAM-12"], title: "the listing has a subscription made through PAM at a remote service, with its state and subid", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "subscribed", subid: "123-abc" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("listed");
    await subscribeThrough(t, c, service.jid, node, "PAM-12");
    const { entries } = await fullListing(c, "PAM-12");
    const entry = find(entries, service.jid, node);
    const want = `<subscription service='${service.jid}' node='${node}' jid='${c.bareJid}' subscription='subscribed' subid='123-abc'/>`;
    check(entry?.jid?.toLowerCase() === c.bareJid!.toLowerCase() && entry.subscription === "subscribed" && entry.subid === "123-abc", "PAM-12", want, shown(entries));
  });

  conformance({ id: "pam.listing.own-pubsub-service", rules: ["PAM-12"], title: "a subscription made through PAM at the target's own pubsub service is listed too", needs: [needsPam, onService("subscribe"), onService("create-nodes")] }, async (t) => {
    const [alice] = await t.accounts(1);
    const n = await createServiceNode(t, alice!, "pam-local", { access_model: "open" });
    const c = await resource(t, alice!, { pam: true });
    await subscribeThrough(t, c, n.service, n.node, "PAM-12");
    const { entries } = await fullListing(c, "PAM-12");
    const entry = find(entries, n.service, n.node);
    check(entry?.subscription === "subscribed", "PAM-12", `<subscription service='${n.service}' node='${n.node}' subscription='subscribed'/> among the account's subscriptions`, shown(entries));
  });

  conformance({ id: "pam.listing.ver-follows-changes", rules: ["PAM-13"], title: "ver changes with each subscribe and unsubscribe, and the latest notify's ver is the listing's", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("ver");
    const ver0 = await currentVer(c);
    const { notify } = await subscribeThrough(t, c, service.jid, node, "PAM-13");
    const ver1 = notifyOf(notify)?.attrs.ver;
    check(ver1 !== undefined && ver1 !== ver0, "PAM-13", `the subscribe's <notify/> with a ver other than the listing's '${ver0}' before it`, notify.toString());
    check((await currentVer(c)) === ver1, "PAM-13", `the listing's ver now '${ver1}', the latest notify's ${restsOn("ver")}`, "another ver");
    const { notifies } = await exchange(c, pam.unsubscribe(service.jid, node, c.bareJid!), "PAM-13");
    const unsubscribed = notifies.map((n) => notifyOf(n)).find((n) => n && notifiedSubscription(n).node === node);
    check(unsubscribed !== undefined, "PAM-11", `a <notify/> about ${node} before the unsubscribe's result`, notifies.map(String).join(" ") || "no notify");
    const ver2 = unsubscribed.attrs.ver;
    check(ver2 !== undefined && ver2 !== ver1, "PAM-13", `the unsubscribe's <notify/> with a ver other than '${ver1}'`, unsubscribed.toString());
    const after = await currentVer(c);
    check(after === ver2, "PAM-13", `the listing's ver now '${ver2}', the latest notify's ${restsOn("ver")}`, after);
  });

  conformance({ id: "pam.listing.current-ver", rules: ["PAM-12", "PAM-13"], title: "a listing with the current ver brings no notifies: an empty result or the same list", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    await subscribeThrough(t, c, service.jid, nodeName("current"), "PAM-12");
    const ver = await currentVer(c);
    const { list, notifies, reply } = await listing(c, "PAM-12", ver);
    check(notifies.length === 0, "PAM-13", `no <notify/> answering the current ver '${ver}'`, notifies.map(String).join(" "));
    check(list === undefined ? reply.getChildElements().length === 0 : list.attrs.ver === ver, "PAM-12", `an empty result, or the list with ver='${ver}' unchanged`, reply.toString());
  });

  conformance({ id: "pam.listing.stale-ver", rules: ["PAM-12", "PAM-13"], title: "a listing with a stale ver brings the change: the full list, or the missed notifies before an empty result", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t);
    const c = await resource(t, alice!, { pam: true });
    const stale = await currentVer(c);
    const node = nodeName("stale");
    await subscribeThrough(t, c, service.jid, node, "PAM-12");
    const { list, notifies, reply } = await listing(c, "PAM-12", stale);
    if (list) {
      const entries = listedSubscriptions(list);
      check(find(entries, service.jid, node) !== undefined, "PAM-12", `the full list answering the stale ver '${stale}', with ${node} at ${service.jid}`, shown(entries));
      return;
    }
    const replayed = notifies.map((n) => notifiedSubscription(notifyOf(n)!));
    check(
      replayed.some((s) => s.node === node && s.service === service.jid),
      "PAM-12",
      `answering the stale ver '${stale}': a <subscriptions xmlns='${NS.pam}'/> list, or a <notify/> about ${node} before the empty result`,
      `${replayed.length ? replayed.map(describeSubscription).join("; ") : "no notify"}, then ${reply.toString()}`,
    );
  });
});
