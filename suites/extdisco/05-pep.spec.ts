// The same rules on the account's own PEP service (XEP-0496 and XEP-0499 both name PEP):
// a tree discovered with depth and relationship fields, cascade deletion, and XEP-0496
// §6's automatic relationships for XEP-0277 comments nodes never overriding the
// creator's.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { REL_PARENT } from "../../src/xmpp/extdisco.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { errorText } from "../common/errors.js";
import { deleteOnCleanup, isResult, requireResult } from "../pubsub/pubsub-helpers.js";
import { SUITE, exactNodes, exists, extDisco, make, needsPepExt, needsPepRel, onPep, requireRelOf, show } from "./extdisco-helpers.js";

describe(SUITE, () => {
  conformance({ id: "extdisco.pep.tree", rules: ["EXTDISCO-06", "EXTDISCO-08"], title: "on PEP, depth=1 lists the children of a node with their parent field, not the grandchildren", needs: [needsPepRel, needsPepExt, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onPep(t, alice!);
    const a = await make(p, "a", {}, {}, "EXTDISCO-06");
    const b = await make(p, "b", { parent: a }, {}, "EXTDISCO-06");
    await make(p, "c", { parent: b }, {}, "EXTDISCO-06");
    const l = await extDisco(p, a, { type: ["nodes"], depth: 1 }, "EXTDISCO-06");
    exactNodes(l, [b], "EXTDISCO-06", `depth=1 on the PEP node '${a}'`);
    check(l.nodes[0]!.form?.[REL_PARENT]?.[0] === a, "EXTDISCO-08", `${REL_PARENT} of '${b}' is '${a}'`, show(l));
    check(l.nodes[0]!.jid === p.jid, "EXTDISCO-08", `the entry's jid is the PEP service ${p.jid}`, l.nodes[0]!.el.toString());
  });

  conformance({ id: "extdisco.pep.cascade", rules: ["REL-07", "REL-09"], title: "on PEP, deleting a node deletes its children and its linking nodes", needs: [needsPepRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onPep(t, alice!);
    const a = await make(p, "a");
    const child = await make(p, "child", { parent: a });
    const linking = await make(p, "linking", { link: a });
    requireResult(await p.owner.iq(pubsub.delete(p.to, a)), "REL-09", `deleting the PEP node '${a}'`);
    check(!(await exists(p, child)), "REL-09", `the child '${child}' deleted with '${a}'`, "its configuration still retrievable");
    check(!(await exists(p, linking)), "REL-07", `the linking node '${linking}' deleted with '${a}'`, "its configuration still retrievable");
  });

  conformance({ id: "extdisco.pep.auto-never-overrides", rules: ["REL-13"], title: "a comments node created with a parent keeps it, whatever the service would have set", needs: [needsPepRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onPep(t, alice!);
    const blog = "urn:xmpp:microblog:0";
    const created = await p.owner.iq(pubsub.create(undefined, blog));
    if (!isResult(created)) t.skip(`the account's blog node ${blog} could not be created (it may exist already, and the test will not touch it): ${errorText(created)}`);
    deleteOnCleanup(t, alice!, undefined, blog);
    const chosen = await make(p, "chosen", {}, {}, "REL-13");
    const comments = `${blog}:comments/xc-${chosen.slice(-10)}`;
    deleteOnCleanup(t, alice!, undefined, comments);
    requireResult(await p.owner.iq(pubsub.create(undefined, comments, { [REL_PARENT]: chosen })), "REL-13", `creating '${comments}' with the parent '${chosen}'`);
    await requireRelOf(p, comments, { parent: chosen }, "REL-13", "a comments node created with an explicit parent");
  });
});
