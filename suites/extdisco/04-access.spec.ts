// XEP-0496 §4.3 and §4.4, XEP-0499 §4: reading needs access under the node's access
// model and every ancestor's, publishing needs publish rights on the node and every
// ancestor, a link passes on no rights either way, and extended discovery leaves out the
// nodes a requester may not access together with everything under them.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { discoInfo } from "../../src/xmpp/builders.js";
import { extDiscoItems } from "../../src/xmpp/extdisco.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { errorText } from "../common/errors.js";
import { isResult, messagePayload, requestSubscription, requireResult } from "../pubsub/pubsub-helpers.js";
import { SUITE, addItems, extDisco, itemNames, make, needsExt, needsRel, nodeNames, onService, show } from "./extdisco-helpers.js";

const whitelist = { "pubsub#access_model": "whitelist" };
const open = { "pubsub#access_model": "open" };

describe(SUITE, () => {
  conformance({ id: "extdisco.access.read-needs-ancestors", rules: ["REL-10"], title: "an open child of a whitelist parent: a stranger can neither retrieve, subscribe nor discover it", needs: [needsRel, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const p = await onService(t, alice!);
    const top = await make(p, "p", {}, whitelist, "REL-10");
    const child = await make(p, "c", { parent: top }, open, "REL-10");
    const sibling = await make(p, "open-root", {}, open, "REL-10");
    await addItems(p, child, 1, "REL-10");
    const b = await t.connect(bob!, { label: "stranger" });
    requireResult(await b.iq(pubsub.items(p.to, sibling)), "REL-10", `a stranger retrieving the items of the open root node '${sibling}' (control)`);
    const items = await b.iq(pubsub.items(p.to, child));
    check(!isResult(items), "REL-10", `a stranger's items request on '${child}' (open) refused: its parent '${top}' is whitelist`, items.toString());
    const sub = await requestSubscription(t, b, p.to, child);
    check(!isResult(sub), "REL-10", `a stranger's subscribe to '${child}' refused: its parent '${top}' is whitelist`, sub.toString());
    const info = await b.iq(discoInfo(p.to, child));
    check(!isResult(info), "REL-10", `a stranger's disco#info on '${child}' refused: its parent '${top}' is whitelist`, info.toString());
  });

  conformance({ id: "extdisco.access.publish-needs-ancestors", rules: ["REL-10"], title: "a publisher of a child who is not a publisher of its parent may not publish to it (forbidden)", needs: [needsRel, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const p = await onService(t, alice!);
    const top = await make(p, "p", {}, {}, "REL-10");
    const child = await make(p, "c", { parent: top }, {}, "REL-10");
    const b = await t.connect(bob!, { label: "publisher" });
    requireResult(await p.owner.iq(pubsub.setAffiliations(p.to, child, [{ jid: b.bareJid!, affiliation: "publisher" }])), "REL-10", `making ${b.bareJid} a publisher of '${child}'`);
    const refused = await b.iq(pubsub.publish(p.to, child, messagePayload("not yet"), "first"));
    check(!isResult(refused) && refused.getChild("error")?.getChild("forbidden") !== undefined, "REL-10", `forbidden: ${b.bareJid} publishes to '${child}' but not to its parent '${top}'`, () => `${errorText(refused)}: ${refused.toString()}`);
    requireResult(await p.owner.iq(pubsub.setAffiliations(p.to, top, [{ jid: b.bareJid!, affiliation: "publisher" }])), "REL-10", `making ${b.bareJid} a publisher of '${top}' too`);
    requireResult(await b.iq(pubsub.publish(p.to, child, messagePayload("now"), "second")), "REL-10", `${b.bareJid}, a publisher of '${child}' and of '${top}', publishing to '${child}'`);
  });

  conformance({ id: "extdisco.access.link-independent", rules: ["REL-08"], title: "nodes joined by a link keep their own access models", needs: [needsRel, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const p = await onService(t, alice!);
    const openTarget = await make(p, "open-target", {}, open, "REL-08");
    const closedLinking = await make(p, "closed-linking", { link: openTarget }, whitelist, "REL-08");
    const closedTarget = await make(p, "closed-target", {}, whitelist, "REL-08");
    const openLinking = await make(p, "open-linking", { link: closedTarget }, open, "REL-08");
    const b = await t.connect(bob!, { label: "stranger" });
    requireResult(await b.iq(pubsub.items(p.to, openTarget)), "REL-08", `a stranger reading the open '${openTarget}', to which the whitelist '${closedLinking}' links`);
    const closed = await b.iq(pubsub.items(p.to, closedLinking));
    check(!isResult(closed), "REL-08", `a stranger refused on the whitelist '${closedLinking}', although the node it links to is open`, closed.toString());
    requireResult(await b.iq(pubsub.items(p.to, openLinking)), "REL-08", `a stranger reading the open '${openLinking}', which links to the whitelist '${closedTarget}'`);
  });

  conformance({ id: "extdisco.access.hidden-branches", rules: ["EXTDISCO-09", "REL-10"], title: "extended discovery leaves out the nodes a stranger may not access, and everything under them", needs: [needsRel, needsExt, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const p = await onService(t, alice!);
    const root = await make(p, "root", {}, open, "EXTDISCO-09");
    const v = await make(p, "v", { parent: root }, open, "EXTDISCO-09");
    const vc = await make(p, "vc", { parent: v }, open, "EXTDISCO-09");
    const w = await make(p, "w", { parent: root }, whitelist, "EXTDISCO-09");
    const wc = await make(p, "wc", { parent: w }, open, "EXTDISCO-09");
    const y = await make(p, "y", { parent: root }, open, "EXTDISCO-09");
    const yc = await make(p, "yc", { parent: y }, whitelist, "EXTDISCO-09");
    const ycc = await make(p, "ycc", { parent: yc }, open, "EXTDISCO-09");
    const [hiddenItem] = await addItems(p, wc, 1, "EXTDISCO-09");
    const [shownItem] = await addItems(p, vc, 1, "EXTDISCO-09");
    const all = [v, vc, w, wc, y, yc, ycc];
    const mine = await extDisco(p, root, { type: ["nodes"], depth: 3 }, "EXTDISCO-09");
    check(all.every((n) => nodeNames(mine).includes(n)), "EXTDISCO-09", `the owner sees the whole tree under '${root}' (control)`, show(mine));
    const b = await t.connect(bob!, { label: "stranger" });
    const theirs = await extDisco(p, root, { depth: 3 }, "EXTDISCO-09", b);
    const names = nodeNames(theirs);
    check([v, vc, y].every((n) => names.includes(n)), "EXTDISCO-09", `the nodes the stranger may access listed: ${v}, ${vc}, ${y}`, show(theirs));
    const leaked = [w, wc, yc, ycc].filter((n) => names.includes(n) || theirs.items.some((e) => e.node === n));
    check(leaked.length === 0, "EXTDISCO-09", `no whitelist node (${w}, ${yc}) and nothing under one (${wc}, ${ycc})`, `listed: ${leaked.join(", ")} (${show(theirs)})`);
    check(!itemNames(theirs).includes(hiddenItem!) && itemNames(theirs).includes(shownItem!), "EXTDISCO-09", `the item of '${vc}' listed, the item of '${wc}' (under the whitelist '${w}') not`, show(theirs));
    const direct = await b.iq(extDiscoItems(p.jid, wc, { depth: 1 }));
    check(!isResult(direct), "EXTDISCO-09", `a stranger's extended disco#items of '${wc}' itself refused: it is open, but under the whitelist '${w}'`, direct.toString());
  });
});
