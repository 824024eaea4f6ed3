// XEP-0496 §4 and §6 on the pubsub service: parent and link set at creation or by
// configure and kept in the configuration, the graph kept acyclic, a link copying and
// following its target's parent, a linking node's parent left to the service, cascade
// deletion of linking nodes and of whole subtrees (with <delete/> to their
// subscribers), unique NodeIDs and unparenting before a deletion.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { REL_LINK, REL_PARENT } from "../../src/xmpp/extdisco.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { checkError, event, requireResult, subscribe, worded } from "../pubsub/pubsub-helpers.js";
import { SUITE, exists, make, needsRel, onService, relOf, requireRel, requireRelOf, setRel } from "./extdisco-helpers.js";
import { restsOn } from "../common/addendum.js";

const invalidOption = { condition: "not-allowed", pubsub: "invalid-option" };

describe(SUITE, () => {
  conformance({ id: "extdisco.rel.configure-persists", rules: ["REL-02"], title: "a parent set by configure is kept, and the configuration form offers both relationship fields", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a");
    const b = await make(p, "b");
    const form = (await relOf(p, a))?.form ?? {};
    check(REL_PARENT in form && REL_LINK in form, "REL-02", `the node_config form of '${a}' offers ${REL_PARENT} and ${REL_LINK}`, Object.keys(form).join(", "));
    await requireRel(p, b, { parent: a }, "REL-02");
    await requireRelOf(p, b, { parent: a, link: "" }, "REL-02", "after configuring the parent");
  });

  conformance({ id: "extdisco.rel.set-at-creation", rules: ["REL-02"], title: "parent and link given in the create-and-configure form are kept", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a");
    const child = await make(p, "child", { parent: a });
    const linking = await make(p, "linking", { link: a });
    await requireRelOf(p, child, { parent: a }, "REL-02", "a node created with a parent");
    await requireRelOf(p, linking, { link: a, parent: "" }, "REL-02", "a node created with a link to a root node");
  });

  conformance({ id: "extdisco.rel.cycle-parent", rules: ["REL-03"], title: "a parent that would close a cycle is refused with not-allowed + invalid-option", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a");
    const b = await make(p, "b", { parent: a });
    const c = await make(p, "c", { parent: b });
    checkError(await setRel(p, a, { parent: b }), "REL-03", invalidOption, `making '${b}' (a child of '${a}') the parent of '${a}'`);
    checkError(await setRel(p, a, { parent: c }), "REL-03", invalidOption, `making '${c}' (a grandchild of '${a}') the parent of '${a}'`);
    await requireRelOf(p, a, { parent: "" }, "REL-03", "after the refusals");
  });

  conformance({ id: "extdisco.rel.cycle-link", rules: ["REL-03"], title: "a link that would close a cycle, of links or of links and parents, is refused", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a");
    const b = await make(p, "b", { link: a });
    checkError(await setRel(p, a, { link: b }), "REL-03", invalidOption, `linking '${a}' to '${b}', which links to '${a}'`);
    const child = await make(p, "child", { parent: a });
    checkError(await setRel(p, a, { link: child }), "REL-03", invalidOption, `linking '${a}' to its own child '${child}'`);
    await requireRelOf(p, a, { link: "" }, "REL-03", "after the refusals");
  });

  conformance({ id: "extdisco.rel.link-copies-parent", rules: ["REL-04"], title: "a node linking to a node with a parent gets that parent", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const parent = await make(p, "p");
    const b = await make(p, "b", { parent });
    const a = await make(p, "a");
    await requireRel(p, a, { link: b }, "REL-04");
    await requireRelOf(p, a, { link: b, parent }, "REL-04", `after linking '${a}' to '${b}', whose parent is '${parent}'`);
  });

  conformance({ id: "extdisco.rel.link-conflicting-parent", rules: ["REL-04"], title: "a link from a node whose parent differs from the linked node's is refused", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const p1 = await make(p, "p1");
    const q = await make(p, "q");
    const b = await make(p, "b", { parent: p1 });
    const c = await make(p, "c", { parent: q });
    checkError(await setRel(p, c, { link: b }), "REL-04", invalidOption, `linking '${c}' (parent '${q}') to '${b}' (parent '${p1}')`);
    await requireRelOf(p, c, { parent: q, link: "" }, "REL-04", "after the refusal");
  });

  conformance({ id: "extdisco.rel.link-follows-parent", rules: ["REL-05"], title: "linking nodes follow every change of the linked node's parent", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const b = await make(p, "b");
    const a = await make(p, "a", { link: b });
    const p2 = await make(p, "p2");
    const p3 = await make(p, "p3");
    await requireRel(p, b, { parent: p2 }, "REL-05");
    await requireRelOf(p, a, { parent: p2, link: b }, "REL-05", `after the parent of '${b}' was set to '${p2}'`);
    await requireRel(p, b, { parent: p3 }, "REL-05");
    await requireRelOf(p, a, { parent: p3, link: b }, "REL-05", `after the parent of '${b}' changed to '${p3}'`);
  });

  conformance({ id: "extdisco.rel.no-parent-on-linking", rules: ["REL-06"], title: "a client setting the parent of a linking node is refused with not-allowed + invalid-option", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const b = await make(p, "b");
    const a = await make(p, "a", { link: b });
    const x = await make(p, "x");
    checkError(await setRel(p, a, { parent: x }), "REL-06", invalidOption, `setting the parent of '${a}', which links to '${b}'`);
    await requireRelOf(p, a, { parent: "", link: b }, "REL-06", "after the refusal");
  });

  conformance({ id: "extdisco.rel.delete-linked", rules: ["REL-07"], title: "deleting a linked node deletes its linking nodes; deleting a linking node deletes nothing else", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const b = await make(p, "b");
    const a1 = await make(p, "a1", { link: b });
    const a2 = await make(p, "a2", { link: b });
    requireResult(await p.owner.iq(pubsub.delete(p.to, a2)), "REL-07", `deleting the linking node '${a2}'`);
    check(await exists(p, b), "REL-07", `'${b}' still there after its linking node '${a2}' was deleted`, "item-not-found");
    check(await exists(p, a1), "REL-07", `'${a1}' still there after the other linking node '${a2}' was deleted`, "item-not-found");
    requireResult(await p.owner.iq(pubsub.delete(p.to, b)), "REL-07", `deleting the linked node '${b}'`);
    check(!(await exists(p, a1)), "REL-07", `the linking node '${a1}' deleted with '${b}'`, "its configuration still retrievable");
  });

  conformance({ id: "extdisco.rel.delete-subtree", rules: ["REL-09"], title: "deleting a parent deletes its subtree, and the subscribers of each deleted node get <delete/>", needs: [needsRel, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const p = await onService(t, alice!);
    const top = await make(p, "p");
    const child = await make(p, "c", { parent: top });
    const grandchild = await make(p, "g", { parent: child });
    const b = await t.connect(bob!, { label: "subscriber" });
    await subscribe(t, b, p.to!, child, "REL-09");
    await subscribe(t, b, p.to!, grandchild, "REL-09");
    requireResult(await p.owner.iq(pubsub.delete(p.to, top)), "REL-09", `deleting '${top}'`);
    check(!(await exists(p, child)), "REL-09", `the child '${child}' deleted with '${top}'`, "its configuration still retrievable");
    check(!(await exists(p, grandchild)), "REL-09", `the grandchild '${grandchild}' deleted with '${top}'`, "its configuration still retrievable");
    for (const node of [child, grandchild]) {
      await b.expect(worded(event(node, "delete", `to the subscriber of '${node}'`), restsOn("Deletion events in a cascade")), { rule: "REL-09" });
    }
  });

  conformance({ id: "extdisco.rel.unique-names", rules: ["REL-12"], title: "a NodeID is unique on the whole service: the same name under another parent is a conflict", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const p1 = await make(p, "p1");
    const p2 = await make(p, "p2");
    const x = await make(p, "x", { parent: p1 });
    const reply = await p.owner.iq(pubsub.create(p.to, x, { [REL_PARENT]: p2 }));
    checkError(reply, "REL-12", { condition: "conflict" }, `creating '${x}' again, under '${p2}'`);
    await requireRelOf(p, x, { parent: p1 }, "REL-12", "after the refused creation");
  });

  conformance({ id: "extdisco.rel.unparent-keeps-child", rules: ["REL-14", "REL-09"], title: "a child unparented before its parent's deletion survives it, with its own children", needs: [needsRel, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const top = await make(p, "p");
    const kept = await make(p, "kept", { parent: top });
    const under = await make(p, "under", { parent: kept });
    const other = await make(p, "other", { parent: top });
    await requireRel(p, kept, { parent: "" }, "REL-14");
    await requireRelOf(p, kept, { parent: "" }, "REL-14", "after clearing the parent");
    requireResult(await p.owner.iq(pubsub.delete(p.to, top)), "REL-09", `deleting '${top}'`);
    check(await exists(p, kept), "REL-14", `the unparented '${kept}' survives the deletion of its old parent '${top}'`, "item-not-found");
    check(await exists(p, under), "REL-14", `'${under}', the child of the unparented '${kept}', survives too`, "item-not-found");
    check(!(await exists(p, other)), "REL-09", `'${other}', still a child of '${top}', deleted with it`, "its configuration still retrievable");
  });
});
