// XEP-0351 §3.1: a server that filters notifications for its users says so with
// urn:xmpp:rsf:0 in its disco#info, and a remote sender reads it from the XEP-0115 caps
// of the server's stream features (which then carry 'from' in the header).
import { CAPS_NS, capsVer, isKnownCapsHash, readDiscoInfo } from "../../src/xmpp/caps.js";
import { conformance } from "../../src/runner/dsl.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { discoInfo } from "../../src/xmpp/builders.js";
import type { Element } from "../../src/xmpp/element.js";
import { NS } from "../../src/xmpp/ns.js";
import { listeners, needsPeer, needsRsf, receivedBefore, rsfNode, sendNotifications, SUITE } from "./rsf-helpers.js";

const featuresOf = (reply: Element) => reply.getChild("query", NS.discoInfo)?.getChildren("feature").map((f) => f.attrs.var) ?? [];

describe(SUITE, () => {
  conformance({ id: "rsf.feature.disco", rules: ["RSF-01"], title: "the domain's disco#info lists urn:xmpp:rsf:0", needs: [] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const reply = await c.iq(discoInfo(t.domain), { rule: "RSF-01" });
    if (!featuresOf(reply).includes(NS.rsf)) t.skip(`${t.domain} does not advertise ${NS.rsf} (XEP-0351) in disco#info`);
  });

  conformance(
    { id: "rsf.feature.filtering-advertised", rules: ["RSF-01"], title: "a server that filters a user's notifications by +events- lists advertises urn:xmpp:rsf:0", needs: [needsPeer] },
    async (t) => {
      const node = rsfNode("probe");
      const { peer, account, listeners: [r] } = await listeners(t, node, [{ notify: true, list: ["config"] }]);
      const c = await t.connect(account);
      if (featuresOf(await c.iq(discoInfo(t.domain), { rule: "RSF-01" })).includes(NS.rsf)) return;
      // Without the feature, only a server that filters anyway breaks the rule.
      const sentinels = await sendNotifications(peer, c.bareJid!, node, ["retract"], [r!]);
      const got = await receivedBefore(r!, sentinels.get(r!)!, node);
      if (got.includes("retract")) t.skip(`${t.domain} does not advertise ${NS.rsf} (XEP-0351) and does not filter: a retraction reached a resource whose caps list only config`);
      throw new Violation("RSF-01", `${NS.rsf} in the disco#info of ${t.domain}, which filters notifications`, `no such feature, yet the retraction sent to ${c.bareJid} did not reach ${r!.client.jid}, whose caps list only config`);
    },
  );

  conformance(
    { id: "rsf.feature.s2s-caps", rules: ["RSF-01", "CAPS-01", "CAPS-02"], title: "the features of a server-to-server stream carry caps whose ver matches the domain's disco#info, with urn:xmpp:rsf:0", needs: [needsRsf, needsPeer] },
    async (t) => {
      const peer = await t.peer();
      await peer.open();
      const c = peer.features?.getChild("c", CAPS_NS);
      if (!c) throw new Violation("RSF-01", "caps <c xmlns='http://jabber.org/protocol/caps'/> in the features of the peer's stream, where a sender looks for urn:xmpp:rsf:0", peer.features?.toString() ?? "no features");
      const { hash, node, ver } = c.attrs;
      check(!!hash && !!node && !!ver, "CAPS-01", "<c/> with hash, node and ver", c.toString());
      check(peer.targetHeader?.attrs.from === peer.targetDomain, "CAPS-01", `'from' of the response header, ${peer.targetDomain}, with caps in the features`, peer.targetHeader?.toString() ?? "no header");
      if (!isKnownCapsHash(hash!)) t.skip(`the caps use the hash '${hash}', which this harness does not compute`);
      const query = discoInfo(peer.targetDomain, `${node}#${ver}`);
      query.attrs.from = peer.domain;
      const reply = await peer.iq(query, { rule: "CAPS-02" });
      check(reply.attrs.type === "result", "CAPS-02", `disco#info of ${node}#${ver} answered`, reply.toString());
      const info = readDiscoInfo(reply.getChild("query", NS.discoInfo)!);
      if ("illFormed" in info) throw new Violation("CAPS-02", "a well-formed disco#info answer", `${info.illFormed}: ${reply.toString()}`);
      const computed = capsVer(info, hash!);
      check(computed === ver, "CAPS-02", `ver '${ver}' equal to the ${hash} of the answer on ${node}#${ver}`, `computed '${computed}' from ${reply.toString()}`);
      check(info.features.includes(NS.rsf), "RSF-01", `${NS.rsf} among the features the caps stand for`, reply.toString());
    },
  );
});
